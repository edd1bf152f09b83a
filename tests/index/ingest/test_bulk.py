"""Bulk URL ingest: pages and feeds, duplicates by URL, by content and near-identical copies."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsbot.bot.cli import cli
from newsbot.bot.cli.render import render_outcome
from newsbot.index.engine import Engine
from newsbot.index.errors import FetchError
from newsbot.index.ingest.bulk import feed_links
from newsbot.index.models import ArticleDraft, Status
from tests.corpora import LIGHTHOUSE, no_seeds_env
from tests.index.web_fixture import ATOM, LOCAL_ONLY, RSS, WebFixture


@pytest.fixture
def local_engine(db_path: Path) -> Iterator[Engine]:
    """An empty engine that may fetch from the local web fixture only."""
    with Engine(db_path, fetch_policy=LOCAL_ONLY) as e:
        yield e


def test_pages_duplicates_and_failures(local_engine: Engine, web: WebFixture) -> None:
    urls = [
        f"{web.base}{p}"
        for p in (
            "/article/ferry",
            "/article/ferry-copy?utm_source=x",
            "/wire/a",
            "/wire/b",
            "/missing",
            "/doc.pdf",
            "/article/ferry#comments",
        )
    ]
    outcomes = list(local_engine.ingest_urls(urls, workers=4))
    by_origin = {o.origin.removeprefix(web.base): o for o in outcomes}
    assert len(outcomes) == 6  # the #comments link is the ferry page again
    assert by_origin["/article/ferry"].status is Status.ADDED
    ferry_id = by_origin["/article/ferry"].article_id
    assert by_origin["/article/ferry-copy"].status is Status.DUPLICATE
    assert by_origin["/article/ferry-copy"].article_id == ferry_id
    assert by_origin["/wire/a"].status is Status.ADDED
    near = by_origin["/wire/b"]
    assert near.status is Status.NEAR_DUPLICATE
    assert near.article_id == by_origin["/wire/a"].article_id and near.similarity >= 0.8
    assert render_outcome(near) == (
        f"{web.base}/wire/b: near-duplicate of #{near.article_id} "
        f"({near.similarity:.0%} the same text); not added"
    )
    assert by_origin["/missing"].reason == "the server answered 404."
    assert "application/pdf" in by_origin["/doc.pdf"].reason
    assert len(local_engine.sources()) == 2
    ferry = local_engine.store.get_article(ferry_id)
    assert (ferry.headline, ferry.outlet, ferry.url) == (
        "Night ferry returns to Eilean Mor",
        "Coast Times",
        f"{web.base}/article/ferry",
    )
    # A second run fetches nothing it already has.
    seen = len(web.hosts_seen)
    again = list(local_engine.ingest_urls([f"{web.base}/article/ferry"]))
    assert again[0].status is Status.DUPLICATE and len(web.hosts_seen) == seen


def test_feeds_are_expanded_into_their_items(local_engine: Engine, web: WebFixture) -> None:
    outcomes = list(local_engine.ingest_urls([f"{web.base}/feed.rss", f"{web.base}/feed.atom"]))
    statuses = sorted((o.origin.removeprefix(web.base), o.status.value) for o in outcomes)
    assert statuses == [
        ("/article/ferry", "added"),
        ("/missing", "failed"),
        ("/wire/a", "added"),
        ("/wire/b", "near_duplicate"),
    ]


def test_a_bad_link_in_a_feed_is_one_failed_line(local_engine: Engine, web: WebFixture) -> None:
    outcomes = list(local_engine.ingest_urls([f"{web.base}/feed-with-bad-links.rss"]))
    lines = sorted(render_outcome(o).removeprefix(web.base) for o in outcomes)
    assert lines[0].startswith("/article/ferry: added #")
    assert lines[1].startswith("/wire/a: added #")
    assert lines[2] == "http://[::1/x: failed: not a valid URL (Invalid IPv6 URL)."


def test_feed_parsing() -> None:
    base = "http://x"
    assert feed_links(RSS.format(base=base), base) == [
        "http://x/article/ferry",
        "http://x/wire/a",
        "http://x/missing",
    ]
    assert feed_links(ATOM.format(base=base), base) == ["http://x/wire/a", "http://x/wire/b"]
    with pytest.raises(FetchError, match="not well-formed"):
        feed_links("<rss><channel>", base)
    with pytest.raises(FetchError, match="not an RSS or Atom feed"):
        feed_links("<html><body/></html>", base)


def test_feed_links_are_joined_to_the_feed_url() -> None:
    rss = (
        '<rss version="2.0"><channel><title>T</title><link>http://elsewhere/</link>'
        "<item><link>/story2.html</link></item><item><link>story3.html</link></item>"
        "<item><link>https://wire.example/a</link></item></channel></rss>"
    )
    assert feed_links(rss, "http://news.example/feeds/main.rss") == [
        "http://news.example/story2.html",
        "http://news.example/feeds/story3.html",
        "https://wire.example/a",
    ]
    atom = (
        '<feed xmlns="http://www.w3.org/2005/Atom" xml:base="http://cdn.example/dir/">'
        '<title>W</title><entry><link rel="self" href="/self"/><link href="a"/></entry></feed>'
    )
    assert feed_links(atom, "http://news.example/f") == ["http://cdn.example/dir/a"]


@pytest.mark.parametrize(
    "feed",
    [
        '<?xml version="1.0"?><rss version="0.91"><channel><title>t</title>'
        "<item><title>x</title><link>http://x/1</link></item></channel></rss>",
        '<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        ' xmlns="http://purl.org/rss/1.0/"><channel rdf:about="http://x/"><title>t</title>'
        '<link>http://x/</link></channel><item rdf:about="http://x/1"><title>r</title>'
        "<link>http://x/1</link></item></rdf:RDF>",
        # Broken XML: an unescaped & in the title and a feed cut short after an item.
        '<rss version="2.0"><channel><title>Coast & Co</title><item><link>http://x/1</link>'
        "</item><item><title>cut",
    ],
    ids=["rss-0.91", "rss-1.0-rdf", "broken-but-recoverable"],
)
def test_every_feed_version_and_recoverable_breakage(feed: str) -> None:
    assert feed_links(feed, "http://x/feed") == ["http://x/1"]


def test_a_feed_is_never_fetched_or_opened_by_the_parser(tmp_path: Path) -> None:
    # Text that looks like a URL or names a file is not a feed; nothing is read.
    secret = tmp_path / "secret.xml"
    secret.write_text(
        '<rss version="2.0"><channel><item><link>http://x/s</link></item></channel></rss>'
    )
    for text in (str(secret), "http://127.0.0.1:9/feed.rss"):
        with pytest.raises(FetchError, match="not an RSS or Atom feed"):
            feed_links(text, "http://x/feed")


def test_cli_url_list_json(
    tmp_path: Path, web: WebFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSBOT_ALLOW_PRIVATE_URLS", "1")
    url_file = tmp_path / "urls.txt"
    url_file.write_text(
        f"# morning list\n{web.base}/article/ferry\n\n{web.base}/error\n", encoding="utf-8"
    )
    db = tmp_path / "cli.db"
    result = CliRunner().invoke(
        cli, ["--db", str(db), "ingest", "--json", "--urls", str(url_file), f"{web.base}/wire/a"]
    )
    assert result.exit_code == 1  # one item failed
    outcomes = json.loads(result.stdout)
    assert [o["status"] for o in outcomes] == ["added", "added", "failed"]
    assert outcomes[2]["reason"] == "the server answered 500."


def test_a_line_of_the_url_list_that_is_not_a_url_is_one_failed_line(
    tmp_path: Path, web: WebFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSBOT_ALLOW_PRIVATE_URLS", "1")
    url_file = tmp_path / "urls.txt"
    url_file.write_text(f"not a url\n{web.base}/article/ferry\nwww.example.com/x\n")
    result = CliRunner().invoke(
        cli, ["--db", str(tmp_path / "u.db"), "ingest", "--urls", str(url_file)]
    )
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == (
        f"not a url: failed: line 1 of {url_file} is not a URL (it needs http:// or https://)."
    )
    assert lines[1] == (
        f"www.example.com/x: failed: line 3 of {url_file} is not a URL "
        "(it needs http:// or https://)."
    )
    assert lines[2].startswith(f"{web.base}/article/ferry: added #")  # the rest went on


def test_cli_refuses_private_urls_by_default(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["--db", str(tmp_path / "x.db"), "ingest", "http://127.0.0.1:9/article"]
    )
    assert result.exit_code == 1
    assert "not a public address" in result.stdout


def test_a_url_ingest_holds_the_writer_lock_only_while_it_stores(
    web: WebFixture, tmp_path: Path
) -> None:
    """`ingest --urls` held the writer lock while it fetched slow pages: a second writer
    found no progress for its `writer_wait` and gave up while the first was working."""
    db = tmp_path / "slow.db"
    Engine(db).close()
    urls = tmp_path / "urls.txt"
    urls.write_text(
        f"{web.base}/article/ferry\n{web.base}/slow-article/1\n{web.base}/slow-article/2\n"
    )
    env = no_seeds_env(tmp_path, NEWSBOT_ALLOW_PRIVATE_URLS="1")
    command = [sys.executable, "-m", "newsbot.bot", "--db", str(db), "ingest", "--workers", "1"]
    first = subprocess.Popen([*command, "--urls", str(urls)], env=env, stdout=subprocess.PIPE)
    try:
        with Engine(db, writer_wait=2.0) as engine:
            deadline = time.monotonic() + 30
            while engine.count_articles() == 0:  # the ferry is stored; slow pages follow
                assert time.monotonic() < deadline, "the first ingest stored nothing"
                time.sleep(0.05)
            started = time.monotonic()
            outcome = engine.ingest(ArticleDraft(text=LIGHTHOUSE, origin="lighthouse.txt"))
            waited = time.monotonic() - started
        assert outcome.status is Status.ADDED
        assert waited < 2.0, f"waited {waited:.1f} s behind a fetch"  # the fetches take 6 s
    finally:
        out, _ = first.communicate(timeout=60)
    assert first.returncode == 0
    assert out.decode().count(": added #") == 3
