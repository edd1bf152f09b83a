"""A real PostgreSQL for the tests: a throwaway cluster started from the machine's own
PostgreSQL binaries (Debian's `postgresql` package), or the server named by
NEWSBOT_TEST_POSTGRES (a URL whose user may create databases).

Each test gets a database of its own, dropped afterwards. Without PostgreSQL the
tests that need it skip, saying how to install it; NEWSBOT_REQUIRE_POSTGRES=1
(set by .ci/run) makes that a failure instead, so CI cannot pass by skipping them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg

INSTALL = "install PostgreSQL to run them: apt-get install postgresql (Debian, Ubuntu)"


class Unavailable(Exception):
    """No PostgreSQL to test against, and why."""


def _bindir() -> Path | None:
    """The PostgreSQL server binaries: pg_config's, else Debian's newest version."""
    pg_config = shutil.which("pg_config")
    if pg_config:
        done = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        found = Path(done.stdout.strip())
        if done.returncode == 0 and (found / "initdb").exists() and (found / "pg_ctl").exists():
            return found
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    for candidate in reversed(versions):
        if (candidate / "initdb").exists():
            return candidate
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """One PostgreSQL server the tests may create databases on."""

    admin_url: str  # connects to the `postgres` database as a user who may create others

    def url_for(self, name: str) -> str:
        base, _, _ = self.admin_url.rpartition("/")
        return f"{base}/{name}"

    @contextlib.contextmanager
    def database(self) -> Iterator[str]:
        """A new, empty database for one test; dropped afterwards (its sessions too)."""
        name = f"newsbot_test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.admin_url, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield self.url_for(name)
        finally:
            with psycopg.connect(self.admin_url, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Cluster:
    """A throwaway cluster in a temporary folder, run as the `postgres` user when the
    tests run as root (PostgreSQL refuses to run as root)."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="newsbot-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self._as: list[str] = []
        if os.geteuid() == 0:
            runuser = shutil.which("runuser")
            if runuser is None:
                raise Unavailable("running as root, and runuser is missing")
            self._as = [runuser, "-u", "postgres", "--"]
            shutil.chown(self.root, "postgres")

    def _run(self, *args: str, timeout: float = 60) -> None:
        done = subprocess.run(
            [*self._as, *args], capture_output=True, text=True, timeout=timeout, check=False
        )
        if done.returncode != 0:
            raise Unavailable(f"{Path(args[0]).name} failed: {done.stderr.strip()[-500:]}")

    def start(self) -> Server:
        self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C",
        )
        self.pg_ctl("start")
        return Server(f"postgresql://postgres@127.0.0.1:{self.port}/postgres")

    def pg_ctl(self, action: str) -> None:
        """Start the server, or stop it (`fast`: sessions are cut, as in a crash); a
        restart runs with the settings of the first start."""
        if action == "stop":
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "stop")
            return
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=200"
        )
        self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.root / "log"),
            "-w",
            "start",
        )

    def stop(self) -> None:
        with contextlib.suppress(Unavailable, subprocess.TimeoutExpired):
            self.pg_ctl("stop")
        shutil.rmtree(self.root, ignore_errors=True)


def start_server(configured: str | None = None) -> tuple[Server, Cluster | None]:
    """The `configured` server (NEWSBOT_TEST_POSTGRES), else a throwaway cluster;
    Unavailable says why neither."""
    if configured:
        return Server(configured), None
    bindir = _bindir()
    if bindir is None:
        raise Unavailable("no PostgreSQL server binaries (initdb, pg_ctl) on this machine")
    cluster = Cluster(bindir)
    started = time.monotonic()
    server = cluster.start()
    # A cluster that started answers at once; one that did not says so in its log.
    while True:
        try:
            psycopg.connect(server.admin_url, connect_timeout=2).close()
            break
        except psycopg.OperationalError as exc:
            if time.monotonic() - started > 30:
                cluster.stop()
                raise Unavailable(f"the cluster did not answer: {exc}") from exc
            time.sleep(0.2)
    return server, cluster
