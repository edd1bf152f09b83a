"""URL fetching: the SSRF guard, normalisation, and every failure, against a local server."""

from __future__ import annotations

import ipaddress
import socket
import time
import tracemalloc

import pytest

from newsbot.index.errors import IngestError, TooLargeError, UnsupportedInputError
from newsbot.index.ingest.fetch import (
    BlockedURLError,
    FetchError,
    FetchPolicy,
    check_url_shape,
    fetch,
    fetch_article,
    is_public_address,
    normalize_url,
    registrable_domain,
    resolve,
)
from newsbot.index.ingest.pipeline import prepare
from newsbot.index.ingest.special_addresses import IPV4, IPV6, special_purpose
from tests.index.web_fixture import LOCAL_ONLY, WebFixture, bomb

# -- the address guard, with private addresses NOT allowed ----------------------

BLOCKED_ADDRESSES = [
    "127.0.0.1",
    "127.5.5.5",
    "10.0.0.1",
    "172.16.3.4",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "100.127.255.254",
    "224.0.0.1",
    "239.255.255.250",
    "0.0.0.0",
    "255.255.255.255",
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "fd12:3456::1",
    "ff02::1",
    # IPv4 inside IPv6: judged by the IPv4 address
    "::ffff:127.0.0.1",
    "::ffff:169.254.169.254",
    "::127.0.0.1",
    "::10.0.0.1",
    "::ffff:0:127.0.0.1",
    "::ffff:0:a9fe:a9fe",
    # translation and tunnels, refused whatever they carry
    "64:ff9b::a9fe:a9fe",
    "64:ff9b::808:808",
    "64:ff9b:1::1",
    "2002:7f00:1::1",
    "2002:808:808::1",
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",
    # deprecated site-local
    "fec0::1",
    "feff::1",
    # registered after the running Python's tables were written (the audit's three)
    "192.0.0.8",
    "192.88.99.1",
    "3fff::1",
    # and the rest of IANA's not-globally-reachable special-purpose blocks
    "192.0.0.170",
    "198.18.0.1",
    "5f00::1",
    "100:0:0:1::1",
    "2001:2::1",
    "::ffff:192.88.99.1",
]


@pytest.mark.parametrize("address", BLOCKED_ADDRESSES)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert not is_public_address(address)


@pytest.mark.parametrize(
    "address",
    ["8.8.8.8", "93.184.216.34", "2606:4700:4700::1111", "::ffff:8.8.8.8", "::ffff:0:808:808"],
)
def test_public_addresses_pass(address: str) -> None:
    assert is_public_address(address)


def test_the_written_down_registry_answers_with_its_most_specific_block() -> None:
    assert special_purpose(ipaddress.ip_address("192.0.0.9")) == (
        "Port Control Protocol Anycast",
        True,
    )
    assert special_purpose(ipaddress.ip_address("192.0.0.77")) == (
        "IETF Protocol Assignments",
        False,
    )
    assert special_purpose(ipaddress.ip_address("3fff:1::1")) == ("Documentation", False)
    assert special_purpose(ipaddress.ip_address("8.8.8.8")) is None
    # Every written block parses, and each is strict (no host bits set).
    for block, _, _ in IPV4 + IPV6:
        assert str(ipaddress.ip_network(block)) == block


@pytest.mark.parametrize("address", [a for a in BLOCKED_ADDRESSES if ":" in a])
def test_ipv6_forms_are_refused_by_the_real_fetch(
    address: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fake_dns(host: str, port: int, **kwargs: object) -> list:
        return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0))]

    monkeypatch.setattr(socket, "getaddrinfo", fake_dns)
    with pytest.raises(BlockedURLError, match="not a public address") as info:
        fetch("http://news.example/story", policy=FetchPolicy())
    assert info.value.origin == "http://news.example/story"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://localhost:8080/",
        "http://[::1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.1.2.3/",
        "http://100.64.0.1/",
        "http://[::ffff:127.0.0.1]/",
        "http://0.0.0.0/",
    ],
)
def test_urls_resolving_to_private_addresses_are_blocked(url: str) -> None:
    with pytest.raises(BlockedURLError, match="not a public address"):
        fetch(url, policy=FetchPolicy())


@pytest.mark.parametrize(
    "url",
    [
        "http://2130706433/",
        "http://0x7f.1/",
        "http://127.1/",
        "http://0177.0.0.1/",
        "http://0x7f000001/",
        "http://017700000001/",
    ],
)
def test_odd_ipv4_spellings_are_refused(url: str) -> None:
    with pytest.raises(BlockedURLError, match="numeric host"):
        check_url_shape(url)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://example.com/a", "only http and https"),
        ("file:///etc/passwd", "only http and https"),
        ("gopher://127.0.0.1:70/", "only http and https"),
        ("http://user:pw@example.com/", "user name or password"),
        ("http://user@example.com/", "user name or password"),
        ("http:///nohost", "no host"),
    ],
)
def test_bad_url_shapes(url: str, reason: str) -> None:
    with pytest.raises(BlockedURLError, match=reason):
        check_url_shape(url)


def test_a_host_with_any_private_address_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    def two_addresses(host: str, port: int, **kwargs: object) -> list:
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", port)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", two_addresses)
    with pytest.raises(BlockedURLError, match=r"10\.0\.0\.7"):
        resolve(
            "mixed.example", 80, address_allowed=is_public_address, origin="http://mixed.example/"
        )


def test_normalize_url() -> None:
    assert (
        normalize_url("HTTPS://News.Example.COM:443/a/b?utm_source=x&id=7&fbclid=1&gclid=2#frag")
        == "https://news.example.com/a/b?id=7"
    )
    assert normalize_url("http://example.com") == "http://example.com/"
    assert normalize_url("http://example.com:8080/x") == "http://example.com:8080/x"


def test_normalize_url_strips_trackers_and_sorts_the_rest() -> None:
    trackers = (
        "utm_medium=a&fbclid=1&gclid=2&dclid=3&gbraid=4&wbraid=5&msclkid=6&mc_cid=7&mc_eid=8"
        "&igshid=9&yclid=10&_hsenc=11&_hsmi=12&mkt_tok=13&oly_anon_id=14&vero_id=15"
        "&WT.mc_id=16&cmpid=17&ocid=18&ns_source=19&at_medium=20"
    )
    assert normalize_url(f"https://x.example/a?b=2&{trackers}&a=1") == "https://x.example/a?a=1&b=2"
    # The same page reached with its parameters in another order is one URL.
    assert normalize_url("http://x.example/p?id=7&page=2") == normalize_url(
        "http://x.example/p?page=2&id=7"
    )
    with pytest.raises(BlockedURLError, match="not a valid URL"):
        normalize_url("http://x.example:99999/")


# -- fetching from the local fixture --------------------------------------------


def test_connection_is_pinned_to_the_checked_address(
    web: WebFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = socket.getaddrinfo
    lookups: list[str] = []

    def fake_dns(host: str, *args: object, **kwargs: object) -> list:
        if host == "127.0.0.1":  # connecting to an address literal still calls getaddrinfo
            return real(host, *args, **kwargs)
        lookups.append(host)
        if host == "news.example":
            return real("127.0.0.1", *args, **kwargs)
        raise socket.gaierror("no such host")

    monkeypatch.setattr(socket, "getaddrinfo", fake_dns)
    page = fetch(f"http://news.example:{web.port}/article/ferry", policy=LOCAL_ONLY)
    assert "Night ferry" in page.text
    assert lookups == ["news.example"]  # resolved once, by us; httpx never looked it up
    assert ("/article/ferry", f"news.example:{web.port}") in web.hosts_seen


def test_article_page_is_extracted_with_metadata(web: WebFixture) -> None:
    draft = fetch_article(f"{web.base}/article/ferry-copy?utm_source=feed", policy=LOCAL_ONLY)
    assert draft.headline == "Night ferry returns to Eilean Mor"
    assert draft.outlet == "Coast Times"
    assert draft.published == "2025-09-07"
    assert draft.url == f"{web.base}/article/ferry"  # the canonical link wins
    assert "Tickets cost 12 euros" in draft.text
    for debris in (
        "Accept all cookies",
        "Great news for the island",
        "Related stories",
        "Privacy",
        "Sport",
    ):
        assert debris not in draft.text


def test_redirects_are_followed_and_checked(web: WebFixture) -> None:
    assert "Night ferry" in fetch(f"{web.base}/redirect/5", policy=LOCAL_ONLY).text
    with pytest.raises(FetchError, match="more than 5 redirects"):
        fetch(f"{web.base}/redirect/6", policy=LOCAL_ONLY)
    with pytest.raises(FetchError, match="redirect loop"):
        fetch(f"{web.base}/loop", policy=LOCAL_ONLY)
    with pytest.raises(BlockedURLError, match=r"10\.0\.0\.1"):
        fetch(f"{web.base}/to-private", policy=LOCAL_ONLY)
    with pytest.raises(BlockedURLError, match=r"169\.254\.169\.254"):
        fetch(f"{web.base}/to-metadata", policy=LOCAL_ONLY)


@pytest.mark.parametrize(
    ("path", "error", "reason"),
    [
        ("/missing", FetchError, "answered 404"),
        ("/error", FetchError, "answered 500"),
        ("/doc.pdf", UnsupportedInputError, "application/pdf"),
        ("/binary", UnsupportedInputError, "binary"),
        ("/huge", TooLargeError, "limit"),
    ],
)
def test_bad_responses_fail_with_a_reason(
    web: WebFixture, path: str, error: type, reason: str
) -> None:
    with pytest.raises(error, match=reason) as info:
        fetch(f"{web.base}{path}", policy=LOCAL_ONLY)
    assert "\n" not in str(info.value)


# -- a hostile server -----------------------------------------------------------------

MB = 1024 * 1024


@pytest.mark.parametrize(
    ("path", "error", "reason"),
    [
        ("/bomb/gzip", TooLargeError, "over the 5,242,880-byte limit"),
        ("/bomb/deflate", TooLargeError, "over the 5,242,880-byte limit"),
        ("/bomb/deflate-raw", TooLargeError, "over the 5,242,880-byte limit"),
        ("/bomb/gzip+gzip", FetchError, r"compressed 2 times over \(gzip, gzip\)"),
        ("/br", FetchError, "unsupported content encoding 'br'"),
        ("/endless", TooLargeError, "over the 5,242,880-byte limit"),
    ],
)
def test_bombs_and_endless_bodies_stop_at_the_cap(
    web: WebFixture, path: str, error: type, reason: str
) -> None:
    for coding in ("gzip", "deflate", "deflate-raw", "gzip, gzip"):
        bomb(coding)  # built before measuring: the fixture's memory is not the fetch's
    tracemalloc.start()
    try:
        with pytest.raises(error, match=reason):
            fetch(f"{web.base}{path}", policy=LOCAL_ONLY)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 100 * MB, f"{path}: peak {peak / MB:.1f} MB"


def test_a_header_trickle_is_cut_off_at_the_deadline(web: WebFixture) -> None:
    policy = FetchPolicy(address_allowed=LOCAL_ONLY.address_allowed, total_timeout=2.0)
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"timed out \(over 2 s\)"):
        fetch(f"{web.base}/trickle", policy=policy)
    assert time.monotonic() - started < 2.0 + 1.5


def test_a_flood_of_headers_is_refused(web: WebFixture) -> None:
    tracemalloc.start()
    try:
        with pytest.raises(FetchError, match="malformed or too large"):
            fetch(f"{web.base}/header-flood", policy=LOCAL_ONLY)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 100 * MB


def test_a_canonical_link_to_another_domain_is_ignored(web: WebFixture) -> None:
    draft = fetch_article(f"{web.base}/elsewhere", policy=LOCAL_ONLY)
    assert draft.url == f"{web.base}/elsewhere"


def test_registrable_domains() -> None:
    assert registrable_domain("https://www.bbc.co.uk/news/x") == "bbc.co.uk"
    assert registrable_domain("https://news.bbc.co.uk/") == "bbc.co.uk"
    assert registrable_domain("https://bbc.co.uk.evil.com/") == "evil.com"
    assert registrable_domain("http://127.0.0.1:8080/a") == "127.0.0.1"


def test_reader_comments_and_share_bars_are_left_out(web: WebFixture) -> None:
    draft = fetch_article(f"{web.base}/commented", policy=LOCAL_ONLY)
    assert "Tickets cost 12 euros" in draft.text
    for debris in ("Great news, finally", "reader123", "far too much", "Leave a Reply", "Share"):
        assert debris not in draft.text


def test_slow_response_times_out(web: WebFixture) -> None:
    policy = FetchPolicy(address_allowed=LOCAL_ONLY.address_allowed, read_timeout=0.5)
    with pytest.raises(FetchError, match="timed out"):
        fetch(f"{web.base}/slow", policy=policy)


def test_connection_refused_and_dns_failure() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens here once closed
    with pytest.raises(FetchError, match="connection failed"):
        fetch(f"http://127.0.0.1:{port}/", policy=LOCAL_ONLY)
    with pytest.raises(FetchError, match="does not resolve"):
        fetch("http://no-such-host.invalid/", policy=LOCAL_ONLY)


def test_page_without_article_text(web: WebFixture) -> None:
    with pytest.raises(IngestError, match="no article text"):
        prepare(fetch_article(f"{web.base}/empty", policy=LOCAL_ONLY))


def test_declared_charset_is_used(web: WebFixture) -> None:
    draft = fetch_article(f"{web.base}/latin1", policy=LOCAL_ONLY)
    assert "£5" in draft.text


def test_plain_text_page(web: WebFixture) -> None:
    draft = fetch_article(f"{web.base}/plain.txt", policy=LOCAL_ONLY)
    assert draft.text.startswith("Tide tables change")
