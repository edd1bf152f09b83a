"""Read articles from files, directories and streams into `ArticleDraft`s.

Reading is strict: input that is binary, too large or not valid UTF-8 is
refused with a reason, before anything is stored. Plain text, Markdown and
HTML are understood; a `manifest.json` beside the files supplies metadata
(headline, outlet, date, URL) that the text itself does not carry.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from newsbot.index.errors import (
    BinaryInputError,
    EncodingError,
    IngestError,
    TooLargeError,
    UnsupportedInputError,
)
from newsbot.index.models import ArticleDraft

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
    if b"\x00" in data[:8192]:
        raise BinaryInputError(
            "this is a binary file (it holds NUL bytes), not text.", origin=origin
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = data[exc.start : exc.start + 1].hex()
        raise EncodingError(
            f"not valid UTF-8 (byte 0x{bad} at offset {exc.start}); "
            "save the file as UTF-8 and try again.",
            origin=origin,
        ) from exc


_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|_)(?=\S)(.+?)(?<=\S)\1")
_MD_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$")
_MD_PREFIX = re.compile(r"^\s{0,3}(?:>\s?|[-*+]\s+|\d+[.)]\s+)")


def markdown_to_text(markdown: str) -> tuple[str, str | None]:
    """Plain text of Markdown, and its first level-1 heading as a headline."""
    headline: str | None = None
    lines: list[str] = []
    for line in markdown.splitlines():
        heading = _MD_HEADING.match(line)
        if heading:
            if headline is None and line.startswith("# "):
                headline = heading.group(1)
                continue
            line = heading.group(1)
        line = _MD_PREFIX.sub("", line)
        line = _MD_IMAGE.sub("", line)
        line = _MD_LINK.sub(r"\1", line)
        line = _MD_EMPHASIS.sub(r"\2", line)
        lines.append(line)
    return "\n".join(lines), headline


def html_to_draft(html: str, origin: str, *, url: str | None = None) -> ArticleDraft:
    """Main text and metadata of a web page, through trafilatura."""
    import trafilatura  # imported here: it is slow to import and only HTML needs it

    document = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_tables=False
    )
    if document is None or not (document.text or "").strip():
        raise IngestError("no article text found in the page.", origin=origin)
    return ArticleDraft(
        text=document.text,
        origin=origin,
        headline=document.title or None,
        outlet=document.sitename or None,
        url=document.url or url,
        published=document.date or None,
        author=document.author or None,
        first_line_headline=document.title is None,
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
            text=body, origin=origin, headline=headline, first_line_headline=headline is None
        )
    else:
        draft = ArticleDraft(text=text, origin=origin)
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


@lru_cache(maxsize=64)
def _load_manifest(path: Path, stamp: int) -> dict[str, dict[str, Any]]:
    """Parsed once per file version: bulk ingest asks for it once per article."""
    try:
        raw = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
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


def expand_paths(paths: list[Path]) -> Iterator[Path]:
    """Files to ingest: given files as they are, directories walked in name order."""
    for path in paths:
        if path.is_dir():
            yield from (p for p in sorted(path.rglob("*")) if _readable(p))
        else:
            yield path


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
    return draft_from_bytes(data, str(path), suffix=path.suffix, metadata=manifest.get(path.name))
