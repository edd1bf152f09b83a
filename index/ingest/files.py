"""Read articles from files, directories and streams into `ArticleDraft`s.

Reading is strict: input that is binary, too large or not valid UTF-8 is
refused with a reason, before anything is stored. Plain text, Markdown and
HTML are understood; a `manifest.json` beside the files supplies metadata
(headline, outlet, date, URL) that the text itself does not carry.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newsbot.index.errors import (
    BinaryInputError,
    EncodingError,
    IngestError,
    TooLargeError,
    UnsupportedInputError,
)
from newsbot.index.models import ArticleDraft
from newsbot.index.text.dates import dateline

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

MAX_BYTES = 5 * 1024 * 1024
TEXT_SUFFIXES = {".txt", ".text", ""}
MARKDOWN_SUFFIXES = {".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
READABLE_SUFFIXES = TEXT_SUFFIXES | MARKDOWN_SUFFIXES | HTML_SUFFIXES
MANIFEST_NAME = "manifest.json"
_SKIPPED_NAMES = {"readme", "readme.txt", "readme.md", "license", "license.txt", "source.md"}

_MAGIC = {
    b"%PDF": "a PDF",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"PK\x03\x04": "a ZIP archive (or an Office document)",
    b"\x1f\x8b": "a gzip archive",
    b"\x7fELF": "a program",
}
_HTML_SNIFF = re.compile(rb"^\s*(<!doctype html|<html|<head|<body)", re.IGNORECASE)


def decode_text(data: bytes, origin: str, *, max_bytes: int = MAX_BYTES) -> str:
    """Bytes to text, or a one-line reason why these bytes are not an article."""
    if not data.strip():
        raise IngestError("the input is empty.", origin=origin)
    if len(data) > max_bytes:
        raise TooLargeError(
            f"{len(data):,} bytes is over the {max_bytes:,}-byte limit for one article.",
            origin=origin,
        )
    for magic, kind in _MAGIC.items():
        if data.startswith(magic):
            raise UnsupportedInputError(f"this is {kind}, not text.", origin=origin)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # UTF-16 is full of NUL bytes, but its byte-order mark says it is text.
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise EncodingError(
                f"not valid UTF-16 (at byte {exc.start}), though it starts like it.",
                origin=origin,
            ) from exc
    if b"\x00" in data[:8192]:
        raise BinaryInputError(
            "this is a binary file (it holds NUL bytes), not text.", origin=origin
        )
    try:
        return data.decode("utf-8-sig")  # a UTF-8 byte-order mark is not article text
    except UnicodeDecodeError as exc:
        bad = data[exc.start : exc.start + 1].hex()
        raise EncodingError(
            f"not valid UTF-8 (byte 0x{bad} at offset {exc.start}); "
            "save the file as UTF-8 and try again.",
            origin=origin,
        ) from exc


# CommonMark with GFM tables, read into tokens: emphasis, links, images, lists,
# quotes, code and tables are markup, and only their text is kept. markdown-it's
# inline parser is linear on the long runs of markers that made hand-written
# patterns quadratic ("*a " * 32,000). Made on first use: only Markdown needs it,
# and importing it costs every process (bulk ingest's workers too) 50 ms.
@lru_cache(maxsize=1)
def _markdown_parser() -> MarkdownIt:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": True}).enable("table")


_TAG = re.compile(r"<[^<>\n]*>")  # inline HTML in Markdown: the tags go, their text stays


def _inline_text(token: Token) -> str:
    """The words of an inline token: text and code kept, images and HTML tags dropped."""
    parts: list[str] = []
    for child in token.children or ():
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif child.type == "image":
            continue
    return "".join(parts)


def markdown_to_text(markdown: str) -> tuple[str, str | None]:
    """Plain text of Markdown, and its first level-1 heading as a headline.

    Each block's text stands on the lines it came from, so paragraphs stay apart
    as the author wrote them; a table row is its cells joined by " | " (the
    delimiter row goes), and the headline's own line is left out.
    """
    source = markdown.splitlines()
    lines: list[str | None] = [""] * len(source)
    headline: str | None = None
    tokens = _markdown_parser().parse(markdown)
    row: list[str] = []
    row_map: list[int] | None = None  # a closing token carries no source lines
    for i, token in enumerate(tokens):
        if token.type == "inline":
            text = _inline_text(token)
            opener = tokens[i - 1] if i else None
            if opener is not None and opener.type in ("th_open", "td_open"):
                row.append(text.strip())
                continue
            if headline is None and opener is not None and opener.tag == "h1":
                headline = " ".join(text.split())
                start, end = token.map or (0, 0)
                lines[start:end] = [None] * (end - start)
                continue
            _place(lines, token.map, text)
        elif token.type == "tr_open":
            row, row_map = [], token.map
        elif token.type == "tr_close":
            _place(lines, row_map, " | ".join(row))
        elif token.type in ("fence", "code_block"):
            _place(lines, token.map, token.content.rstrip("\n"), offset=token.type == "fence")
        elif token.type == "html_block":
            _place(lines, token.map, _TAG.sub("", token.content).rstrip("\n"))
    return "\n".join(line for line in lines if line is not None), headline


def _place(
    lines: list[str | None], where: list[int] | None, text: str, *, offset: bool = False
) -> None:
    """Write a block's text over the source lines it spans (`offset`: after a fence line)."""
    if where is None:
        return
    start = where[0] + (1 if offset else 0)
    for n, part in enumerate(text.split("\n")):
        at = start + n
        if at < len(lines):
            lines[at] = part
        else:
            lines.append(part)


# trafilatura's main extractor grows with the square of the elements in the
# article (6,000 inline tags: 1.2 s; 60,000: 6 minutes). Past this many elements
# in the page, its baseline extractor (linear) is used with the same metadata.
HTML_ELEMENT_BUDGET = 12_000


# lxml (libxml2) parses an element's attributes in time that grows with the square
# of their number (one <p> with 100,000 attributes: 258 s through trafilatura).
# A tag this long is not markup a reader sees: its attributes are dropped, its
# element and text kept. The pattern starts only at "<" and stops at the next
# angle bracket, so the pass is linear.
MAX_TAG_CHARS = 4096
_LONG_TAG = re.compile(rf"<([A-Za-z][A-Za-z0-9:-]{{0,40}})[^<>]{{{MAX_TAG_CHARS},}}>")


def _tame_tags(html: str) -> str:
    """`html` with the attributes of absurdly long tags removed."""
    return _LONG_TAG.sub(r"<\1>", html)


def _element_count(html: str) -> int:
    """Elements in the page, counted by a streaming parser (no tree kept)."""
    from lxml import etree

    parser = etree.HTMLPullParser(events=("start",))
    parser.feed(html)
    parser.close()
    return sum(1 for _ in parser.read_events())


def html_to_draft(html: str, origin: str, *, url: str | None = None) -> ArticleDraft:
    """Main text and metadata of a web page, through trafilatura.

    Comments, related-article lists and share bars are left out by its extractor.
    """
    import trafilatura  # imported here: it is slow to import and only HTML needs it

    html = _tame_tags(html)
    if _element_count(html) > HTML_ELEMENT_BUDGET:
        _, text, _ = trafilatura.baseline(html)
        document = trafilatura.extract_metadata(html, default_url=url)
        title = document.title if document else None
        meta = document
    else:
        meta = trafilatura.bare_extraction(
            html, url=url, with_metadata=True, include_comments=False, include_tables=False
        )
        text = meta.text if meta else None
        title = meta.title if meta else None
    if meta is None or not (text or "").strip():
        raise IngestError("no article text found in the page.", origin=origin)
    return ArticleDraft(
        text=text,
        origin=origin,
        headline=title or None,
        outlet=meta.sitename or None,
        url=meta.url or url,
        published=meta.date or None,
        author=meta.author or None,
        first_line_headline=title is None,
    )


def draft_from_bytes(
    data: bytes,
    origin: str,
    *,
    suffix: str = "",
    metadata: dict[str, Any] | None = None,
    max_bytes: int = MAX_BYTES,
) -> ArticleDraft:
    """One article from raw bytes; the suffix or a sniff decides text, Markdown or HTML."""
    text = decode_text(data, origin, max_bytes=max_bytes)
    meta = metadata or {}
    suffix = suffix.lower()
    if suffix in HTML_SUFFIXES or (suffix not in MARKDOWN_SUFFIXES and _HTML_SNIFF.match(data)):
        draft = html_to_draft(text, origin, url=meta.get("url"))
    elif suffix in MARKDOWN_SUFFIXES:
        body, headline = markdown_to_text(text)
        draft = ArticleDraft(
            text=body,
            origin=origin,
            headline=headline,
            first_line_headline=headline is None,
            published=dateline(body),
        )
    else:
        draft = ArticleDraft(text=text, origin=origin, published=dateline(text))
    return _with_metadata(draft, meta)


def _with_metadata(draft: ArticleDraft, meta: dict[str, Any]) -> ArticleDraft:
    fields = {
        key: meta[key]
        for key in ("headline", "outlet", "url", "published", "author")
        if meta.get(key)
    }
    if not fields:
        return draft
    return ArticleDraft(
        text=draft.text,
        origin=draft.origin,
        headline=fields.get("headline", draft.headline),
        outlet=fields.get("outlet", draft.outlet),
        url=fields.get("url", draft.url),
        published=fields.get("published", draft.published),
        author=fields.get("author", draft.author),
        first_line_headline=draft.first_line_headline and "headline" not in fields,
    )


class _BadManifest(ValueError):
    """Why a manifest cannot be used; `load_manifest` names the file it was for."""


def load_manifest(directory: Path, *, origin: str) -> dict[str, dict[str, Any]]:
    """`manifest.json` of a directory: {file name: metadata}, or {} when absent.

    A manifest that cannot be used fails the item `origin` it was read for.
    """
    path = directory / MANIFEST_NAME
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return {}
    try:
        return _load_manifest(path, stamp)
    except _BadManifest as exc:
        raise IngestError(f"the manifest {path} {exc}", origin=origin) from exc


MANIFEST_FIELDS = ("headline", "outlet", "url", "published", "author")


def manifest_entry(
    manifest: dict[str, dict[str, Any]], name: str, *, origin: str
) -> dict[str, Any] | None:
    """One file's entry of its folder's manifest, its fields checked: a field that is
    not text fails this file alone (one line naming the field), and every other file
    of the folder is added."""
    entry = manifest.get(name)
    if entry is None:
        return None
    for field in MANIFEST_FIELDS:
        value = entry.get(field)
        if value is not None and not isinstance(value, str):
            kind = type(value).__name__
            raise IngestError(
                f"its manifest entry gives {field} as {_A.get(kind, 'a ' + kind)}, "
                "not text; fix the manifest and add it again.",
                origin=origin,
            )
    return entry


# What a JSON value is, in words.
_A = {
    "int": "a number",
    "float": "a number",
    "bool": "true or false",
    "list": "a list",
    "dict": "an object",
}


def manifest_problem(directory: Path) -> str | None:
    """Why the directory's manifest cannot be used, or None (fine, or none there)."""
    path = directory / MANIFEST_NAME
    try:
        _load_manifest(path, path.stat().st_mtime_ns)
    except OSError:
        return None
    except _BadManifest as exc:
        return str(exc)
    return None


# A manifest is three levels deep ({"articles": {"a.txt": {...}}}); json's parser
# recurses once per level and fails with RecursionError past about a thousand.
MANIFEST_MAX_DEPTH = 32


def _nesting_depth(text: str) -> int:
    """How deep JSON's arrays and objects nest, in one pass (strings skipped)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


@lru_cache(maxsize=64)
def _load_manifest(path: Path, stamp: int) -> dict[str, dict[str, Any]]:
    """Parsed once per file version: bulk ingest asks for it once per article."""
    try:
        if path.stat().st_size > MAX_BYTES:
            raise _BadManifest(f"is over the {MAX_BYTES:,}-byte limit.")
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _BadManifest(f"cannot be read ({exc}).") from exc
    if _nesting_depth(text) > MANIFEST_MAX_DEPTH:
        raise _BadManifest(f"nests deeper than {MANIFEST_MAX_DEPTH} levels; it cannot be read.")
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _BadManifest(f"cannot be read ({exc}).") from exc
    articles = raw.get("articles") if isinstance(raw, dict) else None
    if not isinstance(articles, dict):
        raise _BadManifest('needs an "articles" object keyed by file name.')
    return {str(name): dict(meta) for name, meta in articles.items() if isinstance(meta, dict)}


def _readable(path: Path) -> bool:
    return (
        path.is_file()
        and not path.name.startswith(".")
        and path.name.lower() not in _SKIPPED_NAMES
        and path.name != MANIFEST_NAME
        and path.suffix.lower() in READABLE_SUFFIXES
    )


_DATABASE_ENDINGS = (".db", ".db-wal", ".db-shm", ".db-journal", ".sqlite", ".sqlite3")


def _unreadable_reason(path: Path) -> str | None:
    """Why a file found in a directory is not read, when it is one a user may have meant
    as an article (a .pdf, a .docx); None for what is read, and for what a folder of
    articles normally holds beside them (hidden files, its README, the manifest)."""
    if _readable(path) or not path.is_file() or path.name.startswith("."):
        return None
    if path.name.lower() in _SKIPPED_NAMES or path.name in (MANIFEST_NAME, "__init__.py"):
        return None  # what a folder of articles holds beside them (the seeds are a package)
    if any(part.startswith(".") or part == "__pycache__" for part in path.parts[:-1]):
        return None
    if path.name.endswith(_DATABASE_ENDINGS) or any(".db.index" in p for p in path.parts[:-1]):
        return None  # a database and its index: newsbot's own, kept beside the articles
    kind = path.suffix.lower() or "files with no suffix"
    return (
        f"skipped: {kind} files are not read (only plain text, Markdown and HTML: "
        f"{', '.join(sorted(s for s in READABLE_SUFFIXES if s))})."
    )


def expand_paths(paths: list[Path]) -> Iterator[Path | IngestError]:
    """Files to ingest: given files as they are, directories walked in name order; a
    file in a directory that is not read is an IngestError saying why."""
    for path in paths:
        if not path.is_dir():
            yield path
            continue
        for found in sorted(path.rglob("*")):
            if _readable(found):
                yield found
            elif (reason := _unreadable_reason(found)) is not None:
                yield IngestError(reason, origin=str(found))


def plan_paths(paths: list[Path]) -> list[Path | IngestError]:
    """`expand_paths`, with each unusable manifest one failed item in place of its files.

    The files of a folder whose manifest is broken are not added: they would be
    stored without the headline and outlet the manifest was there to give.
    """
    found = list(expand_paths(paths))
    files = [item for item in found if isinstance(item, Path)]
    counts: dict[Path, int] = {}
    for file in files:
        counts[file.parent] = counts.get(file.parent, 0) + 1
    broken = {d: p for d in counts if (p := manifest_problem(d)) is not None}
    reported: set[Path] = set()
    items: list[Path | IngestError] = []
    for file in found:
        if isinstance(file, IngestError):
            items.append(file)
            continue
        problem = broken.get(file.parent)
        if problem is None:
            items.append(file)
        elif file.parent not in reported:  # one line for the manifest, where its files were
            reported.add(file.parent)
            n = counts[file.parent]
            items.append(
                IngestError(
                    f"this manifest {problem.rstrip('.')}; its {n} "
                    f"file{'s were' if n != 1 else ' was'} not added.",
                    origin=str(file.parent / MANIFEST_NAME),
                )
            )
    return items


def draft_from_path(path: Path) -> ArticleDraft:
    """One article from a file, with its directory's manifest metadata if any."""
    if not path.exists():
        raise IngestError("no such file.", origin=str(path))
    if not path.is_file():
        raise IngestError("not a regular file.", origin=str(path))
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise TooLargeError(
            f"{size:,} bytes is over the {MAX_BYTES:,}-byte limit for one article.",
            origin=str(path),
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(f"cannot read it ({exc.strerror}).", origin=str(path)) from exc
    manifest = load_manifest(path.parent, origin=str(path))
    metadata = manifest_entry(manifest, path.name, origin=str(path))
    return draft_from_bytes(data, str(path), suffix=path.suffix, metadata=metadata)
