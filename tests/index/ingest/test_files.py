import json
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsbot.index.errors import (
    BinaryInputError,
    EncodingError,
    IngestError,
    TooLargeError,
    UnsupportedInputError,
)
from newsbot.index.ingest.files import (
    decode_text,
    draft_from_bytes,
    draft_from_path,
    expand_paths,
    markdown_to_text,
    plan_paths,
)


def test_empty_input_is_refused() -> None:
    with pytest.raises(IngestError, match="empty"):
        decode_text(b"  \n ", "x.txt")


def test_binary_input_is_refused() -> None:
    with pytest.raises(BinaryInputError, match="binary"):
        decode_text(b"abc\x00\x01\x02def", "x.bin")


@pytest.mark.parametrize(
    ("data", "kind"),
    [(b"%PDF-1.7 ...", "PDF"), (b"\x89PNG\r\n", "PNG"), (b"\x1f\x8b\x08\x00", "gzip")],
)
def test_known_binary_formats_are_named(data: bytes, kind: str) -> None:
    with pytest.raises(UnsupportedInputError, match=kind):
        decode_text(data, "file")


def test_huge_input_is_refused() -> None:
    with pytest.raises(TooLargeError, match="limit"):
        decode_text(b"word " * 100, "big.txt", max_bytes=100)


def test_one_stray_latin1_byte_is_refused_with_its_offset() -> None:
    data = b"Price: \xa35 for a ticket."
    with pytest.raises(EncodingError, match=r"0xa3 at offset 7"):
        decode_text(data, "sport/199.txt")


def test_markdown_heading_becomes_the_headline() -> None:
    text, headline = markdown_to_text(
        "# Big **news** today\n\nThe [council](http://x) voted *yes*.\n\n- item one\n"
    )
    assert headline == "Big news today"  # the headline's markup goes too
    assert "The council voted yes." in text
    assert "item one" in text


def test_html_goes_through_the_extractor() -> None:
    html = (
        b"<html><head><title>T | Site</title><meta property='og:site_name' content='The Daily'>"
        b"</head><body><nav>Home News Sport</nav><article><h1>Council approves budget</h1>"
        b"<p>The council voted on Tuesday to approve the new budget, officials said.</p>"
        b"<p>Critics said the vote was rushed and residents were not consulted.</p>"
        b"</article></body></html>"
    )
    draft = draft_from_bytes(html, "page.html", suffix=".html")
    assert draft.headline == "Council approves budget"
    assert draft.outlet == "The Daily"
    assert "council voted on Tuesday" in draft.text
    assert "Home News Sport" not in draft.text


def test_manifest_metadata_wins(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Some headline here\n\nBody text of the article goes here.")
    manifest = {"articles": {"a.txt": {"headline": "Given headline", "outlet": "Gazette"}}}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    draft = draft_from_path(tmp_path / "a.txt")
    assert (draft.headline, draft.outlet) == ("Given headline", "Gazette")
    assert draft.first_line_headline is False


@pytest.mark.parametrize(
    ("manifest", "reason"),
    [
        ("{not json", "cannot be read (Expecting property name"),
        ('{"articles": []}', 'needs an "articles" object keyed by file name.'),
        # 50,000 levels: json's parser would fail with RecursionError, a traceback.
        ('{"articles": ' + "[" * 50_000 + "]" * 50_000 + "}", "nests deeper than 32 levels"),
        ('{"a": "' + "[" * 50_000 + '"}', 'needs an "articles" object'),  # brackets in a string
    ],
    ids=["not-json", "no-articles", "nested-50000", "brackets-in-a-string"],
)
def test_broken_manifest_fails_the_file_and_names_the_manifest(
    tmp_path: Path, manifest: str, reason: str
) -> None:
    (tmp_path / "a.txt").write_text("Body text of the article goes here.")
    (tmp_path / "manifest.json").write_text(manifest)
    with pytest.raises(IngestError) as info:
        draft_from_path(tmp_path / "a.txt")
    assert info.value.origin == str(tmp_path / "a.txt")
    assert str(info.value).startswith(f"the manifest {tmp_path / 'manifest.json'} {reason}")


def test_directories_are_walked_for_readable_files(tmp_path: Path) -> None:
    for name in ("b.txt", "a.md", "c.html", "skip.pdf", ".hidden.txt", "README.md"):
        (tmp_path / name).write_text("x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "d.txt").write_text("x")
    found = list(expand_paths([tmp_path]))
    names = [p.relative_to(tmp_path).as_posix() for p in found if isinstance(p, Path)]
    assert names == ["a.md", "b.txt", "c.html", "sub/d.txt"]
    # The .pdf is named with its reason; the hidden file and the README are not articles.
    (skipped,) = [e for e in found if isinstance(e, IngestError)]
    assert skipped.origin == str(tmp_path / "skip.pdf")
    assert str(skipped).startswith("skipped: .pdf files are not read (only plain text")


def test_a_folder_of_unreadable_files_is_one_line_each_and_exit_1(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from newsbot.bot.cli import cli

    folder = tmp_path / "clippings"
    folder.mkdir()
    (folder / "report.pdf").write_bytes(b"%PDF-1.4 x")
    (folder / "memo.docx").write_bytes(b"PK\x03\x04zz")
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "n.db"), "ingest", str(folder)])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{folder / 'memo.docx'}: failed: skipped: .docx files are not read (only plain text, "
        "Markdown and HTML: .htm, .html, .markdown, .md, .text, .txt, .xhtml).",
        f"{folder / 'report.pdf'}: failed: skipped: .pdf files are not read (only plain text, "
        "Markdown and HTML: .htm, .html, .markdown, .md, .text, .txt, .xhtml).",
    ]


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="no such file"):
        draft_from_path(tmp_path / "nope.txt")


def test_utf16_with_a_byte_order_mark_is_text() -> None:
    text = "Tide tables change\n\nThe harbour published new tables on Monday, £5 a copy."
    assert decode_text(text.encode("utf-16"), "t.txt") == text
    with pytest.raises(BinaryInputError):  # without its mark, UTF-16 cannot be told
        decode_text(text.encode("utf-16-be"), "t.txt")
    assert decode_text(b"\xef\xbb\xbf" + text.encode(), "t.txt") == text  # UTF-8 BOM dropped
    with pytest.raises(EncodingError, match="UTF-16"):
        decode_text(b"\xff\xfe" + b"\x00\xd8", "odd.txt")  # a lone surrogate


def test_markdown_still_reads_as_it_did() -> None:
    markdown = (
        "# The headline #\n\n## A **bold** sub-head\n\n> quoted *emphasis* and __strong__ "
        "with a [link](https://x.example/a) and ![an image](i.png)\n- a list item\n"
        "1. a numbered item with snake_case_names kept"
    )
    text, headline = markdown_to_text(markdown)
    assert headline == "The headline"
    assert text.splitlines() == [
        "",
        "A bold sub-head",
        "",
        "quoted emphasis and strong with a link and ",
        "a list item",
        "a numbered item with snake_case_names kept",  # intraword _ is not emphasis
    ]


def test_markdown_tables_code_and_html_leave_only_their_text() -> None:
    markdown = (
        "# Troops pledged\n\nIntro paragraph.\n\n| Country | Troops |\n|---|---:|\n"
        "| France | 2,000 |\n| UK | 1,500 |\n\n```\nquoted code\n```\n\n"
        "<div>raw <b>html</b> block</div>\n\nLast paragraph.\n"
    )
    text, headline = markdown_to_text(markdown)
    assert headline == "Troops pledged"
    assert "|---" not in text and "---:" not in text and "```" not in text and "<" not in text
    paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
    assert paragraphs == [
        "Intro paragraph.",
        "Country | Troops",
        "France | 2,000\nUK | 1,500",
        "quoted code",
        "raw html block",
        "Last paragraph.",
    ]


PATHOLOGICAL_LINES = {
    "stars": "*a " * 32_000,
    "underscores": "_x " * 32_000,
    "brackets": "[a" * 48_000,
    "links": "[a](b " * 16_000,
    "images": "![a](" * 19_000,
    "heading": "# " + " " * 96_000 + "x",
}


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL_LINES))
def test_markdown_takes_linear_time_on_long_lines(name: str) -> None:
    # A generous safety bound: these took 20 to 50 s each with the old patterns, and
    # 0.5 to 2.9 s here now (brackets the slowest, on 2 cores): a quadratic parser
    # would take minutes.
    started = time.monotonic()
    text, _ = markdown_to_text("# Title\n\n" + PATHOLOGICAL_LINES[name])
    assert time.monotonic() - started < 10.0
    assert text.strip()


def test_html_with_very_many_elements_is_extracted_in_bounded_time() -> None:
    page = (
        "<html><head><title>Harbour news</title></head><body><article><h1>Harbour news</h1>"
        "<p>" + "The ferry <b>sailed</b> on time. " * 60_000 + "</p></article></body></html>"
    )
    started = time.monotonic()
    draft = draft_from_bytes(page.encode(), "big.html", suffix=".html")
    assert time.monotonic() - started < 30.0  # six minutes with trafilatura's main pass
    assert draft.headline == "Harbour news"
    assert draft.text.count("The ferry sailed on time.") == 60_000


_MARKUP = st.sampled_from(
    ["*", "**", "_", "__", "[", "]", "(", ")", "!", "#", ">", "-", "`", " ", "\n", "a", "b. "]
)
_HTML = st.sampled_from(
    [
        *("<p>", "</p>", "<b>", "</b>", "<a href='/x'>", "</a>", "<div>", "</div>", "&amp;"),
        *("<", "text ", "More words. ", "\n", "<script>", "</script>", "<!--", "-->"),
    ]
)


@settings(max_examples=40, deadline=None)
@given(st.lists(_MARKUP, min_size=1, max_size=4000))
def test_fuzzed_markdown_never_crashes(parts: list[str]) -> None:
    data = ("# T\n\n" + "".join(parts)).encode()
    try:
        draft = draft_from_bytes(data, "f.md", suffix=".md")
    except IngestError:
        return
    assert isinstance(draft.text, str)


@settings(max_examples=25, deadline=None)
@given(st.lists(_HTML, min_size=1, max_size=3000))
def test_fuzzed_html_never_crashes(parts: list[str]) -> None:
    data = ("<html><body>" + "".join(parts) + "</body></html>").encode()
    try:
        draft = draft_from_bytes(data, "f.html", suffix=".html")
    except IngestError:
        return
    assert isinstance(draft.text, str)


def test_a_deep_manifest_is_one_failed_line_and_the_batch_goes_on(tmp_path: Path) -> None:
    bad, good = tmp_path / "bad", tmp_path / "good"
    bad.mkdir()
    good.mkdir()
    (bad / "manifest.json").write_text('{"articles": ' + "[" * 50_000 + "]" * 50_000 + "}")
    (bad / "a.txt").write_text("The harbour reopened on Monday after the storm, officials said.")
    for n in range(3):
        (good / f"{n}.txt").write_text(f"Story {n}: the ferry number {n} sailed on time today.")
    items = plan_paths([tmp_path])
    failed = [i for i in items if isinstance(i, IngestError)]
    assert [str(e) for e in failed] == [
        "this manifest nests deeper than 32 levels; it cannot be read; its 1 file was not added."
    ]
    assert failed[0].origin == str(bad / "manifest.json")
    assert [p for p in items if isinstance(p, Path)] == [good / f"{n}.txt" for n in range(3)]


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("headline", 123, "a number"),
        ("outlet", ["Post"], "a list"),
        ("url", {"href": "x"}, "an object"),
        ("published", True, "true or false"),
        ("author", 1.5, "a number"),
    ],
)
def test_a_wrongly_typed_manifest_entry_fails_its_file_alone(
    tmp_path: Path, field: str, value: object, said: str
) -> None:
    from newsbot.index.engine import Engine
    from newsbot.index.models import Status

    desk, healthy = tmp_path / "desk", tmp_path / "healthy"
    for folder in (desk, healthy):
        folder.mkdir()
    (desk / "a.txt").write_text("Pier closed\n\nThe town pier closed on Monday after storms.")
    (desk / "b.txt").write_text(
        "Ferry back\n\nThe island ferry returned on Tuesday, officials said."
    )
    (healthy / "c.txt").write_text(
        "Bridge open\n\nThe old bridge reopened on Friday after repairs."
    )
    manifest = {"articles": {"a.txt": {field: value}, "b.txt": {"outlet": "Island Times"}}}
    (desk / "manifest.json").write_text(json.dumps(manifest))
    with Engine(tmp_path / "m.db") as engine:
        outcomes = {Path(o.origin).name: o for o in engine.ingest_paths([desk, healthy])}
        stored = {a.headline: a for a in engine.sources()}
    failed = outcomes["a.txt"]
    assert failed.status is Status.FAILED
    assert failed.reason == (
        f"its manifest entry gives {field} as {said}, not text; fix the manifest and add it again."
    )
    assert outcomes["b.txt"].status is Status.ADDED and outcomes["c.txt"].status is Status.ADDED
    assert stored["Ferry back"].outlet == "Island Times" and "Bridge open" in stored


def test_a_callers_sqlite_error_is_a_bug_not_disk_advice(tmp_path: Path) -> None:
    import sqlite3

    from newsbot.index.errors import StoreError
    from newsbot.index.store.database import storage_errors

    conn = sqlite3.connect(":memory:")
    with pytest.raises(sqlite3.ProgrammingError), storage_errors(tmp_path / "x.db"):
        conn.execute("SELECT ?", [["a", "list"]])  # a value SQLite cannot bind
    with pytest.raises(StoreError, match="the disk is full"), storage_errors(tmp_path / "x.db"):
        raise sqlite3.OperationalError("database or disk is full")
