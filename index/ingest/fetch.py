"""Fetching articles from the web, safely.

A URL typed into a chat bot must never let anyone reach the bot's own network,
so every address a host resolves to must be globally routable (`addresses`),
the checked address is the one connected to (DNS cannot change under us),
redirects are followed by hand and checked one by one, and one deadline and a
cap on decompressed bytes hold whatever the server does (`transfer`). A page's
canonical link is believed only on the page's own registrable domain.
`FetchPolicy.allowing_private()` lifts only the address check
(the entry points use it for `NEWSBOT_ALLOW_PRIVATE_URLS=1`: intranet news, and
tests on 127.0.0.1). It is dangerous on a server that can reach internal services.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import httpcore
from tld import get_fld

from newsbot.index.errors import (
    BlockedURLError,
    FetchError,
    TooLargeError,
    UnsupportedInputError,
)
from newsbot.index.ingest import transfer
from newsbot.index.ingest.addresses import is_public_address, resolve
from newsbot.index.ingest.files import MAX_BYTES, html_to_draft
from newsbot.index.models import ArticleDraft

MAX_REDIRECTS = 5
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 15.0
TOTAL_TIMEOUT = 30.0
USER_AGENT = "newsbot/0.1 (+https://github.com/newsbot; article fetcher)"
_ACCEPT = "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.1"
_REDIRECTS = {301, 302, 303, 307, 308}
HTML_TYPES = {"text/html", "application/xhtml+xml"}
TEXT_TYPES = {"text/plain"}
FEED_TYPES = {
    "application/rss+xml",
    "application/atom+xml",
    "application/xml",
    "text/xml",
    "application/rdf+xml",
}
# courlan's tracker list (from ClearURLs and Firefox's query stripping, kept up
# to date upstream) strips most; these it keeps, and they mark a visit, not a page.
_MORE_TRACKING = re.compile(
    r"^(_hsenc|_hsmi|cmpid|ocid|wt\.mc_id|ns_\w+|at_\w+)$",
    re.IGNORECASE,
)
_DOTTED_QUAD = re.compile(
    r"^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$"
)
_NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]+|\d+)(\.(0x[0-9a-f]+|\d+))*\.?$", re.IGNORECASE)


def _any_address(address: str) -> bool:
    return True


@dataclass(frozen=True)
class FetchPolicy:
    """The limits of one fetch. `address_allowed` decides which resolved addresses
    may be connected to: public ones only, unless the operator says otherwise."""

    address_allowed: Callable[[str], bool] = field(default=lambda a: is_public_address(a))
    connect_timeout: float = CONNECT_TIMEOUT
    read_timeout: float = READ_TIMEOUT
    total_timeout: float = TOTAL_TIMEOUT
    max_bytes: int = MAX_BYTES
    max_redirects: int = MAX_REDIRECTS

    def __post_init__(self) -> None:
        for name in ("connect_timeout", "read_timeout", "total_timeout"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0")
        if self.max_bytes < 1 or self.max_redirects < 0:
            raise ValueError("max_bytes must be >= 1 and max_redirects >= 0")

    @classmethod
    def allowing_private(cls) -> FetchPolicy:
        """Every address allowed, loopback and private ones too (dangerous on a server)."""
        return cls(address_allowed=_any_address)


def normalize_url(url: str) -> str:
    """Lower-case scheme and host, no fragment, no default port, no tracking parameters,
    the rest sorted.

    Raises BlockedURLError for a link that cannot be parsed (`http://[::1/x`, port 99999).
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise BlockedURLError(f"not a valid URL ({exc}).", origin=url) from exc
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if host and ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        netloc = f"{host}:{port}"
    if parts.username or parts.password:
        userinfo = parts.username or ""
        if parts.password:
            userinfo += f":{parts.password}"
        netloc = f"{userinfo}@{netloc}"
    # Imported here: only URLs need it, and it costs 70 ms to import.
    from courlan.clean import clean_query

    # courlan also sorts the parameters: ?b=2&a=1 and ?a=1&b=2 are one page.
    query = urlencode(
        [(k, v) for k, v in parse_qsl(clean_query(parts.query)) if not _MORE_TRACKING.match(k)]
    )
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, query, ""))


def check_url_shape(url: str, *, origin: str | None = None) -> tuple[str, str, int]:
    """Scheme, host and port of an acceptable URL, or BlockedURLError.

    `origin` is the URL the user gave, when `url` is a redirect from it.
    """
    origin = origin or url
    hop = "" if origin == url else f"the redirect to {url}: "
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise BlockedURLError(f"{hop}not a valid URL ({exc}).", origin=origin) from exc
    if parts.scheme not in ("http", "https"):
        raise BlockedURLError(f"{hop}only http and https links can be fetched.", origin=origin)
    if parts.username is not None or parts.password is not None:
        raise BlockedURLError(
            f"{hop}links with a user name or password are refused.", origin=origin
        )
    host = parts.hostname
    if not host:
        raise BlockedURLError(f"{hop}the link has no host.", origin=origin)
    if _NUMERIC_HOST.match(host) and not _DOTTED_QUAD.match(host):
        # "2130706433", "0x7f.1", "127.1": legal to inet_aton, never a real news site.
        raise BlockedURLError(f"{hop}unusual numeric host {host!r} refused.", origin=origin)
    return parts.scheme, host, port or (443 if parts.scheme == "https" else 80)


@dataclass(frozen=True)
class FetchedPage:
    url: str  # the final URL, after redirects, normalised
    content_type: str
    text: str


def _content_type(header: str) -> tuple[str, str | None]:
    """Media type and charset of a Content-Type header ("" and None when there is none)."""
    if not header:
        return "", None
    message = Message()
    message["content-type"] = header
    charset = message.get_param("charset")
    return message.get_content_type(), charset if isinstance(charset, str) else None


def _decode(body: bytes, declared: str | None, url: str) -> str:
    if b"\x00" in body[:4096]:
        raise UnsupportedInputError("the page is binary, not text.", origin=url)
    if declared is None:
        meta = re.search(rb"""<meta[^>]+charset=["']?([\w-]+)""", body[:4096], re.IGNORECASE)
        declared = meta.group(1).decode("ascii") if meta else None
    for encoding in (declared, "utf-8"):
        if not encoding:
            continue
        try:
            return body.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    from charset_normalizer import from_bytes  # comes with trafilatura

    best = from_bytes(body).best()
    if best is None:
        raise FetchError("cannot tell the page's text encoding.", origin=url)
    return str(best)


def fetch(
    url: str,
    *,
    policy: FetchPolicy,
    accept: frozenset[str] | set[str] = frozenset(HTML_TYPES | TEXT_TYPES),
) -> FetchedPage:
    """GET a URL with every guard on. Raises FetchError (BlockedURLError) with a reason.

    One deadline (`policy.total_timeout`) covers every redirect, connection,
    header and body byte.
    """
    current = normalize_url(url)
    seen: set[str] = set()
    deadline = time.monotonic() + policy.total_timeout
    for _ in range(policy.max_redirects + 1):
        if current in seen:
            raise FetchError(f"redirect loop at {current}.", origin=url)
        seen.add(current)
        scheme, host, port = check_url_shape(current, origin=url)
        address = resolve(host, port, address_allowed=policy.address_allowed, origin=url)
        target = _Target(current, scheme, host, port, address)
        result = _get_pinned(target, accept, policy, deadline, origin=url)
        if isinstance(result, FetchedPage):
            return result
        current = normalize_url(urljoin(current, result))
    raise FetchError(f"more than {policy.max_redirects} redirects.", origin=url)


@dataclass(frozen=True)
class _Target:
    url: str
    scheme: str
    host: str
    port: int
    address: str

    def pinned_url(self) -> str:
        """The URL with the checked address in place of the host name."""
        parts = urlsplit(self.url)
        ip_host = f"[{self.address}]" if ":" in self.address else self.address
        netloc = ip_host if self.port == self.default_port else f"{ip_host}:{self.port}"
        return urlunsplit((self.scheme, netloc, parts.path or "/", parts.query, ""))

    @property
    def default_port(self) -> int:
        return 443 if self.scheme == "https" else 80

    @property
    def host_header(self) -> str:
        return self.host if self.port == self.default_port else f"{self.host}:{self.port}"


def _get_pinned(
    target: _Target,
    accept: frozenset[str] | set[str],
    policy: FetchPolicy,
    deadline: float,
    *,
    origin: str,
) -> FetchedPage | str:
    """One request to the checked address; a page, or the next URL of a redirect."""
    url = origin
    headers = {
        "Host": target.host_header,
        "User-Agent": USER_AGENT,
        "Accept": _ACCEPT,
        "Accept-Encoding": transfer.ACCEPT_ENCODING,
    }
    try:
        with transfer.open_response(
            target.pinned_url(),
            headers=headers,
            sni_hostname=target.host,
            deadline=deadline,
            connect_timeout=policy.connect_timeout,
            read_timeout=policy.read_timeout,
        ) as response:
            if response.status in _REDIRECTS:
                location = response.header("location")
                if not location:
                    raise FetchError("a redirect without a Location.", origin=url)
                return location
            if response.status >= 400:
                raise FetchError(f"the server answered {response.status}.", origin=url)
            media, charset = _content_type(response.header("content-type"))
            if media not in accept:
                raise UnsupportedInputError(
                    f"content type {media or 'unknown'} is not an article page.", origin=url
                )
            limit = policy.max_bytes
            declared = response.header("content-length")
            if declared.isdigit() and int(declared) > limit:
                raise TooLargeError(
                    f"{int(declared):,} bytes is over the {limit:,}-byte limit.", origin=url
                )
            decoder = transfer.BodyDecoder(response.header("content-encoding"), limit, origin=url)
            body = bytearray()
            for chunk in response.iter_raw():
                body.extend(decoder.feed(chunk))
            return FetchedPage(target.url, media, _decode(bytes(body), charset, url))
    except httpcore.TimeoutException as exc:
        raise FetchError(f"timed out (over {policy.total_timeout:g} s).", origin=url) from exc
    except httpcore.ConnectError as exc:
        raise FetchError(f"connection failed ({_short(exc)}).", origin=url) from exc
    except httpcore.RemoteProtocolError as exc:
        raise FetchError(
            f"the server's response is malformed or too large ({_short(exc)}).", origin=url
        ) from exc
    except (httpcore.NetworkError, httpcore.ProtocolError) as exc:
        raise FetchError(f"{type(exc).__name__} ({_short(exc)}).", origin=url) from exc


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[-1][:120] if text else type(exc).__name__


def draft_from_page(page: FetchedPage) -> ArticleDraft:
    """An article from a fetched page: HTML through the extractor, text as it is."""
    if page.content_type in TEXT_TYPES:
        return ArticleDraft(text=page.text, origin=page.url, url=page.url)
    draft = html_to_draft(page.text, page.url, url=page.url)
    canonical = _trusted_canonical(draft.url, page.url)
    return ArticleDraft(
        text=draft.text,
        origin=page.url,
        headline=draft.headline,
        outlet=draft.outlet,
        url=canonical or page.url,
        published=draft.published,
        author=draft.author,
        first_line_headline=draft.first_line_headline,
    )


def registrable_domain(url: str) -> str | None:
    """`bbc.co.uk` for https://www.bbc.co.uk/news (the public suffix list, offline);
    the host itself for an IP address or a name with no public suffix."""
    host = (urlsplit(url).hostname or "").lower()
    if not host:
        return None
    return get_fld(url, fail_silently=True) or host


def _trusted_canonical(canonical: str | None, page_url: str) -> str:
    """The page's canonical link, if it is a fetchable URL on the page's own
    registrable domain; otherwise the URL the page was fetched from. A page on
    any host could otherwise claim another site's article and have the real
    one refused as 'already indexed'."""
    if not canonical:
        return page_url
    try:
        check_url_shape(canonical)
        canonical = normalize_url(canonical)
    except BlockedURLError:
        return page_url
    if registrable_domain(canonical) != registrable_domain(page_url):
        return page_url
    return canonical


def fetch_article(url: str, *, policy: FetchPolicy) -> ArticleDraft:
    """Fetch a news page and extract its article, or raise FetchError with a reason."""
    return draft_from_page(fetch(url, policy=policy))
