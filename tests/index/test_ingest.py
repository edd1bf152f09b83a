import json
from pathlib import Path

import pytest

from newsbot.index.errors import (
    BinaryInputError,
    EncodingError,
    IngestError,
    TooLargeError,
    UnsupportedInputError,
)
from newsbot.index.ingest import (
    decode_text,
    draft_from_bytes,
    draft_from_path,
    expand_paths,
    markdown_to_text,
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
    assert headline == "Big **news** today"
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
    ],
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
    names = [p.relative_to(tmp_path).as_posix() for p in expand_paths([tmp_path])]
    assert names == ["a.md", "b.txt", "c.html", "sub/d.txt"]


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="no such file"):
        draft_from_path(tmp_path / "nope.txt")
