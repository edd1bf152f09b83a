"""benchmarks/hostile.py prints and writes a row per input kind and size."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import hostile


def test_the_benchmark_runs_and_writes_its_figures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "hostile.json"
    assert (
        hostile.main(["--sizes", "2000", "--cases", "titles,html-attributes", "--json", str(out)])
        == 0
    )
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].split()[:3] == ["input", "bytes", "seconds"]
    assert [line.split()[0] for line in printed[1:]] == ["titles", "html-attributes"]
    figures = json.loads(out.read_text())
    assert set(figures) == {"titles", "html-attributes"}
    row = figures["titles"]["2000"]
    assert row["bytes"] == 2000 and row["seconds"] > 0 and row["peak_rss_mb"] > 10
    assert row["outcome"].endswith("passages")
