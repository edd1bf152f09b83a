"""The speed benchmark stays runnable: a tiny corpus in the BBC archive's format."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest

from benchmarks import speed
from tests.postgres import Server

ARTICLES = [
    (
        "Harbour reopens after storm",
        "The harbour reopened on Monday after the storm. "
        "Officials said 40 boats were damaged.\n\nFishermen returned to work on Tuesday.",
    ),
    (
        "Council approves budget",
        "The city council approved the budget on Friday. "
        "It adds 26 buses to the fleet.\n\nCritics said the vote was rushed.",
    ),
    (
        "Bridge repairs delayed",
        "Repairs to the old bridge were delayed again, engineers said. "
        "The work will cost 3 million euros.\n\nDrivers face detours until spring.",
    ),
]


def _archive(root: Path) -> None:
    folder = root / "bbc-news"
    folder.mkdir(parents=True)
    with tarfile.open(folder / "bbc-fulltext.tar.gz", "w:gz") as tar:
        for n, (headline, body) in enumerate(ARTICLES * 4):
            data = f"{headline} {n}\n\n{body}\n".encode()
            info = tarfile.TarInfo(f"bbc/news/{n:03d}.txt")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def _run_tiny(tmp_path: Path, *extra: str) -> dict:
    """speed.py over the tiny archive (150 passages, 30 questions); its one row."""
    _archive(tmp_path / "data")
    out = tmp_path / "speed.json"
    args = ["--sizes", "150", "--data", str(tmp_path / "data"), "--json", str(out)]
    assert speed.main([*args, "--questions", "30", *extra]) == 0
    (row,) = json.loads(out.read_text()).values()
    return row


def test_speed_script_runs_on_a_tiny_corpus(tmp_path: Path) -> None:
    row = _run_tiny(tmp_path)
    for key in (
        "answer_p50_ms",
        "answer_p95_ms",
        "lexical_p50_ms",
        "lexical_p95_ms",
        "search_p50_ms",
        "search_p95_ms",
        "add_article_ms",
        "bulk_articles_per_s",
        "cold_start_s",
        "peak_rss_mb",
        "disk_mb",
        "rank_bm25_p50_ms",
        "bm25s_p50_ms",
    ):
        assert key in row
    assert row["passages"] > 0 and row["answer_p50_ms"] > 0 and row["rank_bm25_p50_ms"] > 0
    assert row["lexical_p50_ms"] > 0


def test_speed_script_measures_postgresql_beside_sqlite(
    tmp_path: Path,
    postgres_server: Server,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """--db: the same corpus on both backends in one run, and the replica lag."""
    monkeypatch.setattr(speed, "LAG_ARTICLES", 12)
    row = _run_tiny(tmp_path, "--baselines", "none", "--db", postgres_server.admin_url)
    pg = row["postgresql"]
    assert pg["backend"] == "PostgreSQL" and row["backend"] == "SQLite"
    assert pg["passages"] == row["passages"] > 0
    assert pg["articles"] == row["articles"]
    assert pg["answer_p50_ms"] > 0 and pg["search_p95_ms"] > 0 and pg["add_article_ms"] > 0
    assert pg["lag_articles"] == 12 and 0 < pg["lag_p50_ms"] <= pg["lag_p95_ms"]
    # The replica's read copy is counted apart from its index; SQLite has none.
    assert pg["read_copy_mb"] > 0 and pg["index_mb"] > 0 and row["read_copy_mb"] == 0.0
    printed = capsys.readouterr().out
    assert "PG/SQLite" in printed and "lag p50/p95 ms" in printed
