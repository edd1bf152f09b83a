"""A local web server for fetch tests: real pages, feeds, and every way a fetch can go wrong."""

from __future__ import annotations

import contextlib
import functools
import gzip
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from newsbot.index.ingest.fetch import FetchPolicy

# The fixture lives on 127.0.0.1: only that address is allowed, nothing else private.
LOCAL_ONLY = FetchPolicy(address_allowed=lambda address: address == "127.0.0.1")

FERRY_BODY = (
    "<p>The night ferry to Eilean Mor resumed service on Sunday after a two-year pause, "
    "the operator Island Lines said.</p>"
    "<p>Tickets cost 12 euros, and the first crossing, which left at 11 p.m., was full. "
    "Harbour master Dr. Ana Ruiz said 140 passengers were on board.</p>"
    "<p>Residents had campaigned for the service since the U.S. operator withdrew in 2023, "
    "citing fuel costs.</p>"
)


def article_page(headline: str, body: str, *, canonical: str | None = None) -> bytes:
    canonical_tag = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{headline} | Coast Times</title>
<meta property="og:title" content="{headline}">
<meta property="og:site_name" content="Coast Times">
<meta property="article:published_time" content="2025-09-07T08:30:00Z">
{canonical_tag}
<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "NewsArticle",
 "headline": "{headline}", "datePublished": "2025-09-07T08:30:00Z",
 "author": {{"@type": "Person", "name": "Mairi Campbell"}},
 "publisher": {{"@type": "Organization", "name": "Coast Times"}}}}</script>
</head><body>
<div class="cookie-banner">We use cookies to improve your experience. Accept all cookies</div>
<nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li>
<li><a href="/sport">Sport</a></li><li><a href="/weather">Weather</a></li></ul></nav>
<main><article>
<h1>{headline}</h1>
<p class="byline">By Mairi Campbell</p>
{body}
</article>
<aside class="related"><h2>Related stories</h2><ul>
<li><a href="/a">Bridge repairs delayed again</a></li>
<li><a href="/b">Council approves new harbour budget</a></li></ul></aside>
<section class="comments"><h2>Comments</h2>
<div class="comment">Great news for the island! Finally.</div>
<div class="comment">Twelve euros is too much for locals.</div></section>
</main>
<footer>Copyright 2025 Coast Times. All rights reserved. <a href="/privacy">Privacy</a></footer>
</body></html>""".encode()


WIRE_A = (
    "<p>Officials in the northern province confirmed on Tuesday that the new rail tunnel will "
    "open to passenger traffic in March, after eight years of construction and repeated delays "
    "caused by flooding in the central section.</p><p>The tunnel, which cost 2.4 billion euros, "
    "will cut the journey between the two largest cities from three hours to seventy minutes, "
    "the transport ministry said in a statement.</p><p>Engineers said final safety tests would "
    "run through February and that freight trains would follow later in the year.</p>"
)
WIRE_B = WIRE_A.replace("in the central section", "in its central section")

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Coast Times</title><link>{base}/</link>
<item><title>Ferry</title><link>{base}/article/ferry</link></item>
<item><title>Tunnel</title><link>{base}/wire/a</link></item>
<item><title>Gone</title><link>{base}/missing</link></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Wire</title>
<entry><title>Tunnel</title><link rel="alternate" href="{base}/wire/a"/><id>1</id></entry>
<entry><title>Tunnel again</title><link href="{base}/wire/b"/><id>2</id></entry>
</feed>"""


COMMENTED_BODY = (
    FERRY_BODY
    + """<div id="comments" class="comments-area"><h3>3 thoughts on this story</h3>
<ol class="comment-list">
<li class="comment"><article class="comment-body"><footer class="comment-meta">
<b class="fn">reader123</b> <time>September 7, 2025 at 9:14 am</time></footer>
<div class="comment-content"><p>Great news, finally!!! The island needed this ferry.</p></div>
</article></li>
<li class="comment"><article class="comment-body"><footer class="comment-meta">
<b class="fn">harbourwatcher</b></footer>
<div class="comment-content"><p>Twelve euros is far too much for the people who live here.</p>
</div></article></li></ol>
<div id="respond"><h3>Leave a Reply</h3><form><textarea></textarea></form></div></div>
<div class="share-bar">Share this: Facebook Twitter WhatsApp Email</div>"""
)
_BOMB_BYTES = 60_000_000  # decompressed size of each bomb: twelve times the 5 MB cap
_HEADER_FLOOD = 100_000


@functools.cache
def bomb(coding: str) -> bytes:
    """A small body that decompresses to _BOMB_BYTES (cached: tests build it once)."""
    zeros = b"<html><body>" + b"0" * _BOMB_BYTES
    if coding == "deflate":
        return zlib.compress(zeros, 9)
    if coding == "deflate-raw":
        packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
        return packer.compress(zeros) + packer.flush()
    if coding == "gzip, gzip":
        return gzip.compress(gzip.compress(zeros, 9), 9)
    return gzip.compress(zeros, 9)


class WebFixture:
    def __init__(self) -> None:
        self.hosts_seen: list[tuple[str, str]] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> WebFixture:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fixture = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def send(
                self,
                status: int,
                body: bytes,
                content_type: str = "text/html; charset=utf-8",
                headers: dict[str, str] | None = None,
            ) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                # The client may give up (size cap, timeout): expected in these tests.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body)

            def trickle(self, seconds: float) -> None:
                """Headers one byte at a time, one every `seconds`: never a full response."""
                line = b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 200
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    for byte in line:  # bounded: 200-odd bytes, then the handler ends
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(seconds)

            def endless(self) -> None:
                """A 200 with no length that never ends (bounded here to 1 GB)."""
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.end_headers()
                chunk = b"<p>" + b"endless words " * 4000 + b"</p>"
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    for _ in range(1_000_000_000 // len(chunk)):
                        self.wfile.write(chunk)

            def header_flood(self) -> None:
                self.send_response(200)
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    for i in range(_HEADER_FLOOD):
                        self.send_header(f"X-H{i}", "v")
                    self.end_headers()
                    self.wfile.write(b"<html><body><p>never read</p></body></html>")

            def redirect(self, location: str) -> None:
                self.send(302, b"", headers={"Location": location})

            def do_GET(self) -> None:
                fixture.hosts_seen.append((self.path, self.headers.get("Host", "")))
                path, _, _ = self.path.partition("?")
                base = fixture.base
                if path == "/article/ferry" or path == "/article/ferry-copy":
                    self.send(
                        200,
                        article_page(
                            "Night ferry returns to Eilean Mor",
                            FERRY_BODY,
                            canonical=f"{base}/article/ferry",
                        ),
                    )
                elif path == "/wire/a":
                    self.send(200, article_page("Rail tunnel to open in March", WIRE_A))
                elif path == "/wire/b":
                    self.send(200, article_page("New tunnel opens to trains in spring", WIRE_B))
                elif path == "/feed.rss":
                    self.send(200, RSS.format(base=base).encode(), "application/rss+xml")
                elif path == "/feed-with-bad-links.rss":
                    items = "".join(
                        f"<item><link>{link}</link></item>"
                        for link in (f"{base}/article/ferry", "http://[::1/x", f"{base}/wire/a")
                    )
                    feed = f"<rss><channel><title>T</title>{items}</channel></rss>"
                    self.send(200, feed.encode(), "application/rss+xml")
                elif path == "/feed.atom":
                    self.send(200, ATOM.format(base=base).encode(), "application/atom+xml")
                elif path == "/plain.txt":
                    self.send(
                        200,
                        b"Tide tables change\n\nThe harbour published new tide tables "
                        b"on Monday for the winter season.",
                        "text/plain; charset=utf-8",
                    )
                elif path == "/latin1":
                    body = article_page(
                        "Prices rise",
                        "<p>A ticket now costs \u00a35 on the "
                        "island ferry, the operator said on Friday.</p>",
                    )
                    body = body.replace(b'<meta charset="utf-8">', b"")
                    self.send(200, body.decode().encode("latin-1"), "text/html; charset=iso-8859-1")
                elif path.startswith("/redirect/"):
                    n = int(path.rsplit("/", 1)[1])
                    self.redirect(f"/redirect/{n - 1}" if n > 1 else "/article/ferry")
                elif path == "/loop":
                    self.redirect("/loop")
                elif path == "/to-private":
                    self.redirect("http://10.0.0.1/admin")
                elif path == "/to-metadata":
                    self.redirect("http://169.254.169.254/latest/meta-data/")
                elif path == "/slow":
                    time.sleep(3)
                    self.send(200, b"<html><body><p>late</p></body></html>")
                elif path.startswith("/slow-article/"):  # a whole article, 3 s late
                    n = path.rsplit("/", 1)[-1]
                    time.sleep(3)
                    body = f"The harbour council met about slow story {n} and the ferry timetable."
                    self.send(200, article_page(f"Slow story {n}", body))
                elif path == "/huge":
                    self.send(200, b"<html><body>" + b"<p>word word word</p>" * 400_000)
                elif path.startswith("/bomb/"):
                    coding = path.removeprefix("/bomb/").replace("+", ", ")
                    header = "deflate" if coding == "deflate-raw" else coding
                    self.send(200, bomb(coding), headers={"Content-Encoding": header})
                elif path == "/br":  # a coding newsbot never asks for, and cannot decode
                    self.send(200, b"\x1b\x00\xf8" * 100, headers={"Content-Encoding": "br"})
                elif path == "/trickle":
                    self.trickle(0.5)
                elif path == "/endless":
                    self.endless()
                elif path == "/header-flood":
                    self.header_flood()
                elif path == "/elsewhere":
                    canonical = "https://www.bbc.co.uk/news/world-12345678"
                    self.send(200, article_page("A copied story", WIRE_A, canonical=canonical))
                elif path == "/commented":
                    self.send(200, article_page("Night ferry returns", COMMENTED_BODY))
                elif path == "/doc.pdf":
                    self.send(200, b"%PDF-1.7 fake", "application/pdf")
                elif path == "/binary":
                    self.send(200, b"<html>\x00\x01\x02\x00binary</html>")
                elif path == "/empty":
                    self.send(200, b"<html><body><nav><a href='/'>Home</a></nav></body></html>")
                elif path == "/error":
                    self.send(500, b"oops")
                else:
                    self.send(404, b"not found")

        return Handler
