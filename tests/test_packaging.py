"""newsbot installs under its own name: nothing called index, bot or seeds at the top."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import ROOT

_TOP_LEVEL_IMPORT = re.compile(r"^\s*(from|import)\s+(index|bot|seeds)\b", re.MULTILINE)


def test_wheel_installs_only_under_newsbot(tmp_path: Path) -> None:
    # Built from a copy: setuptools' build/ folder must not leak old files into the wheel.
    source = tmp_path / "src"
    ignore = shutil.ignore_patterns(".venv", ".git", "build", "*.egg-info", "__pycache__")
    shutil.copytree(ROOT, source, ignore=ignore)
    offline = ["--no-deps", "--no-build-isolation", "--no-index"]
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", *offline, "-w", str(tmp_path), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert build.returncode == 0, build.stderr
    (wheel,) = tmp_path.glob("newsbot-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {name.split("/", 1)[0] for name in names}
    assert {t for t in top if not t.endswith(".dist-info")} == {"newsbot"}
    # Every source file of the tree is in the wheel: no package left off the list.
    for folder, package in (("index", "newsbot/index"), ("bot", "newsbot/bot")):
        for path in (ROOT / folder).rglob("*.py"):
            relative = path.relative_to(ROOT / folder).as_posix()
            assert f"{package}/{relative}" in names, relative
    # And every data file answering reads: stopwords, word forms, translations, the
    # fitted models, the encoder, and the licences that must travel with their data.
    folder = ROOT / "index" / "data"
    data = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert {
        "answerability.json",
        "answerability_encoder.json",
        "irregular_forms.txt",
        "WORDNET-LICENSE.txt",
        "encoder/model.onnx",
        "encoder/tokenizer.json",
        "encoder/encoder.json",
        "encoder/LICENSE",
        "encoder/NOTICE",
    } <= set(data)
    for name in data:
        assert f"newsbot/index/data/{name}" in names, name
    seeds = sorted(n for n in names if n.startswith("newsbot/seeds/") and n.endswith(".txt"))
    assert len(seeds) == 5 and "newsbot/seeds/manifest.json" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "newsbot = newsbot.bot.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_no_code_imports_the_folders_by_their_bare_names() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("index", "bot", "tests", "benchmarks")
        for path in (ROOT / folder).rglob("*.py")
        if _TOP_LEVEL_IMPORT.search(path.read_text("utf-8"))
    ]
    assert offenders == []
