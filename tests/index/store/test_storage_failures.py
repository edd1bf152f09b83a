"""A damaged database, a full disk or read-only storage: one line that says what to do.

Each case runs the CLI as a user would and checks that every command fails with
one line on stderr (exit 1), never a traceback, and that nothing stored is lost.
The full-disk and read-only cases need a small filesystem of their own: a tmpfs
mounted here, which needs root (as CI and the development machines run).
"""

from __future__ import annotations

import random
import re
import sqlite3
import subprocess
from pathlib import Path

from click.testing import CliRunner

from newsbot.bot.cli import cli
from tests.conftest import fill

COMMANDS = [
    ("ask", "How many countries pledged to send troops?"),
    ("search", "troops"),
    ("sources",),
    ("forget", "1"),
    ("reindex",),
]


def _run(db: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--db", str(db), *args])
    return result.exit_code, result.stdout, result.stderr


def _one_line(stderr: str) -> str:
    """The one line a failure prints; log lines (timestamped: a replay's warning) aside."""
    lines = [line for line in stderr.strip().splitlines() if not re.match(r"\d{4}-\d\d-", line)]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


def test_a_database_with_overwritten_pages_is_one_line_for_every_command(tmp_path: Path) -> None:
    db = tmp_path / "n.db"
    assert _run(db, "ask", "Who pledged troops?")[0] == 0  # the seeds: pages to overwrite
    data = bytearray(db.read_bytes())
    rng = random.Random(3)
    for page in range(1, len(data) // 4096):  # every page but the header's
        start = page * 4096
        data[start : start + 4096] = rng.randbytes(4096)
    db.write_bytes(bytes(data))
    for command in COMMANDS:
        code, _, stderr = _run(db, *command)
        assert code == 1, (command, stderr)
        line = _one_line(stderr)
        assert "damaged" in line and "restore it from a backup" in line.lower(), line


def test_an_empty_file_beside_a_full_index_is_not_taken_for_a_new_database(
    tmp_path: Path,
) -> None:
    db = tmp_path / "n.db"
    assert _run(db, "sources")[0] == 0
    for leftover in tmp_path.glob("n.db-*"):  # the WAL files go with a truncation too
        leftover.unlink()
    db.write_bytes(b"")
    code, stdout, stderr = _run(db, "sources")
    assert code == 1 and stdout == ""
    assert "is empty (0 bytes), but the search index beside it" in _one_line(stderr)
    assert db.stat().st_size == 0  # not seeded over


def test_a_new_empty_file_is_a_new_database(tmp_path: Path) -> None:
    db = tmp_path / "n.db"
    db.write_bytes(b"")  # `touch newsbot.db` before the first run
    code, _, stderr = _run(db, "ask", "How many countries pledged to send troops?")
    assert code == 0, stderr
    assert "First run: indexed 5 bundled seed articles" in stderr


def _corpus(folder: Path, count: int) -> Path:
    folder.mkdir()
    words = "harbour council vessel cargo ferry bridge minister budget storm river".split()
    rng = random.Random(5)
    for n in range(count):
        body = " ".join(rng.choice(words) for _ in range(900))
        (folder / f"{n:03d}.txt").write_text(f"Story {n} of the harbour\n\n{body}.")
    return folder


def test_a_full_disk_is_one_line_and_loses_nothing(small_disk: Path, tmp_path: Path) -> None:
    db = small_disk / "n.db"
    assert _run(db, "sources")[0] == 0
    corpus = _corpus(tmp_path / "corpus", 400)
    code, _, stderr = _run(db, "ingest", str(corpus))
    assert code == 1
    assert "disk is full" in _one_line(stderr) or "Is the disk full" in stderr
    for command in (("reindex",), ("ingest", str(corpus / "399.txt"))):
        code, _, stderr = _run(db, *command)
        assert code == 1, (command, stderr)
        line = _one_line(stderr)
        assert "disk is full" in line or "Is the disk full" in line, line
    # Room again: whatever SQLite committed is found after a reindex.
    subprocess.run(["mount", "-o", "remount,size=64m", str(small_disk)], check=True)
    code, stdout, stderr = _run(db, "reindex")
    assert code == 0, stderr
    code, stdout, _ = _run(db, "sources", "--json")
    assert code == 0 and '"Story 0 of the harbour"' in stdout


def test_read_only_storage_is_one_line(small_disk: Path) -> None:
    db = small_disk / "n.db"
    assert _run(db, "sources")[0] == 0
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    code, _, stderr = _run(db, "forget", "1")
    assert code == 1
    line = _one_line(stderr)
    assert "read-only" in line or "cannot be opened" in line, line


def test_on_a_full_disk_ask_still_answers_and_warns_once(small_disk: Path) -> None:
    """Keeping an abstention for `newsbot gaps` is a write; answering is not."""
    db = small_disk / "n.db"
    assert _run(db, "ask", "How many countries pledged to send troops?")[0] == 0  # seeds it
    # A newsbot that stays open (a server) keeps the database's WAL and shared-memory
    # files in place; then the disk fills up, as disks do, under a running newsbot.
    server = sqlite3.connect(db)
    server.execute("SELECT count(*) FROM articles").fetchone()
    fill(small_disk)
    code, stdout, stderr = _run(db, "ask", "Who won the Nobel Peace Prize?")
    assert code == 0, stderr
    assert "I could not find an answer to that in my articles." in stdout
    (warning,) = [line for line in stderr.splitlines() if line.strip()]
    assert warning.startswith("Warning: not kept for `newsbot gaps`:") and "disk is full" in warning
    code, stdout, stderr = _run(db, "ask", "How many countries pledged to send troops?")
    assert code == 0 and "26" in stdout and not stderr.strip()
    server.close()
