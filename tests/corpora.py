"""Generated corpora and subprocess environments that several test folders use."""

from __future__ import annotations

import os
import random
from pathlib import Path, PurePosixPath

ARTICLES = 3000

VOCABULARY = (
    "harbour council vessel cargo ferry bridge minister budget storm river school hospital "
    "market strike museum airport festival court police union factory election railway"
).split()


def write_corpus(directory: Path, count: int = ARTICLES, *, start: int = 0) -> None:
    """`count` distinct articles (random word order, so no two are near-duplicates),
    numbered from `start`; article n is the only one that names marker{n}tag."""
    directory.mkdir()
    rng = random.Random(7 + start)
    for n in range(start, start + count):
        sentences = [
            " ".join(rng.choice(VOCABULARY) for _ in range(12)).capitalize() + "." for _ in range(6)
        ]
        (directory / f"{n:04d}.txt").write_text(
            f"Story number {n} about the harbour\n\n"
            f"The harbour master confirmed that vessel marker{n}tag docked on Monday. "
            + " ".join(sentences),
            encoding="utf-8",
        )


def no_seeds_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment for a subprocess whose database gets no bundled seeds."""
    (tmp_path / "no-seeds").mkdir()
    return {**os.environ, "NEWSBOT_SEEDS": str(tmp_path / "no-seeds"), **extra}


LIGHTHOUSE = (
    "Lighthouse keeper retires\n\nThe last lighthouse keeper on the island retired on Friday "
    "after 40 years, the harbour council said. She climbed the 120 steps twice a day."
)


def die_after_the_sqlite_write(db_path: Path, text: str) -> int:
    """What a writer killed between its SQLite commit and the index's leaves: the
    article stored, a journal row, nothing in the index (a second process)."""
    from newsbot.index.ingest.pipeline import prepare
    from newsbot.index.models import ArticleDraft
    from newsbot.index.store.articles import open_store

    store = open_store(db_path)
    added = store.add_article(prepare(ArticleDraft(text=text, origin="dead.txt")))
    store.close()
    return added.id


# The shared data folder beside the repository (see the README's Benchmarks); tests
# that read it skip, saying so, where it is absent.
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
BBC_ARCHIVE = SHARED_DATA / "bbc-news" / "bbc-fulltext.tar.gz"


def bbc_library(directory: Path) -> Path | None:
    """A database of the whole BBC News corpus (2,000-odd articles after duplicates),
    built in `directory`; None where the archive is absent."""
    import tarfile

    from newsbot.index import Engine

    if not BBC_ARCHIVE.is_file():
        return None
    # Each article written out by hand: extractall's `filter` needs Python 3.11.4.
    with tarfile.open(BBC_ARCHIVE) as archive:
        for member in archive.getmembers():
            name = PurePosixPath(member.name)
            if not member.isfile() or name.suffix != ".txt" or ".." in name.parts:
                continue
            target = directory / "bbc-text" / Path(*name.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            source = archive.extractfile(member)
            assert source is not None
            target.write_bytes(source.read())
    db_path = directory / "bbc.db"
    with Engine(db_path) as engine:
        for _ in engine.ingest_paths([directory / "bbc-text" / "bbc"], workers=2):
            pass
    return db_path
