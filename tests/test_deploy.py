"""The deployment files in the repo: a systemd unit and a Dockerfile that follow the README."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

UNIT = ROOT / "deploy" / "newsbot.service"


def test_the_systemd_unit_verifies(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed on this machine")
    text = UNIT.read_text()
    assert "ExecStart=/srv/newsbot/app/.venv/bin/newsbot serve" in text
    # The unit names the installed path; verify it with an executable that exists here.
    unit = tmp_path / "newsbot.service"
    unit.write_text(text.replace("/srv/newsbot/app/.venv/bin/newsbot", sys.executable))
    result = subprocess.run([analyze, "verify", str(unit)], capture_output=True, text=True)
    problems = [line for line in result.stderr.splitlines() if "newsbot.service" in line]
    assert result.returncode == 0 and problems == [], result.stderr


def test_the_replica_template_unit_verifies(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed on this machine")
    text = (ROOT / "deploy" / "newsbot-replica@.service").read_text()
    assert "Environment=NEWSBOT_PORT=%i" in text
    assert "Environment=NEWSBOT_INDEX_DIR=/srv/newsbot/replicas/%i" in text
    assert "ReadWritePaths=/srv/newsbot/replicas" in text and "KillSignal=SIGTERM" in text
    assert "pip install -q -e '.[postgresql]'" in text
    unit = tmp_path / "newsbot-replica@3001.service"  # an instance of the template
    unit.write_text(text.replace("/srv/newsbot/app/.venv/bin/newsbot", sys.executable))
    result = subprocess.run([analyze, "verify", str(unit)], capture_output=True, text=True)
    problems = [line for line in result.stderr.splitlines() if "newsbot-replica" in line]
    assert result.returncode == 0 and problems == [], result.stderr


def test_the_unit_stops_with_sigterm_and_writes_only_its_data() -> None:
    text = UNIT.read_text()
    assert "KillSignal=SIGTERM" in text and "ProtectSystem=strict" in text
    assert "ReadWritePaths=/srv/newsbot/data" in text
    assert "Environment=NEWSBOT_DB=/srv/newsbot/data/newsbot.db" in text


def test_the_dockerfile_installs_as_the_readme_says() -> None:
    docker = (ROOT / "Dockerfile").read_text()
    readme = (ROOT / "README.md").read_text()
    (run,) = re.findall(r"^RUN (.+)$", docker, re.M)
    assert run == "python3 -m venv .venv && .venv/bin/pip install -q -e ."
    assert run in readme  # the Quickstart's own install step
    assert 'CMD [".venv/bin/newsbot", "serve"]' in docker
    assert "/healthz" in docker
