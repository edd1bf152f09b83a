"""Kill an ingest at random points; the next open must find SQLite and the index agreeing."""

import contextlib
import random
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from newsbot.index.engine import Engine
from tests.corpora import ARTICLES, no_seeds_env, write_corpus

URL_ARTICLES = 600


def _check_consistent(db: Path) -> int:
    with Engine(db) as engine:
        engine.repair_index()
        assert engine.store.journal.pending() == []
        assert engine.retriever.num_docs == engine.store.count_passages()
        articles = engine.sources()
        for article in random.Random(0).sample(articles, min(15, len(articles))):
            n = int(article.headline.split()[2])
            hits = engine.search(f"marker{n}tag", k=1).hits
            assert hits and hits[0].article.id == article.id
        return len(articles)


def _kill_then_finish(
    command: list[str],
    env: dict[str, str],
    db: Path,
    *,
    kills: int,
    seed: int,
    window: tuple[float, float],
    expected: int,
    from_first_line: bool = False,
) -> None:
    """Kill the ingest `kills` times at random points, checking the store after each,
    then let it finish and check that every article is there once.

    With `from_first_line`, each kill's `window` counts from the ingest's first
    result line (an article committed), not from its start: how long a process
    takes to start varies more between machines than the work after it."""
    rng = random.Random(seed)
    counts = []
    for _ in range(kills):
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        assert proc.stdout is not None
        if from_first_line:
            proc.stdout.readline()
        # Drain what it prints, so a full pipe never holds the ingest up.
        threading.Thread(target=proc.stdout.read, daemon=True).start()
        time.sleep(rng.uniform(*window))
        proc.kill()
        proc.wait()
        counts.append(_check_consistent(db))
    assert counts == sorted(counts)  # progress is kept across kills
    assert any(0 < c < expected for c in counts), counts  # a kill did land mid-ingest
    finished = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    assert finished.returncode == 0, finished.stderr
    assert _check_consistent(db) == expected


def test_killed_ingests_leave_a_consistent_store(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_corpus(corpus)
    db = tmp_path / "kill.db"
    command = [sys.executable, "-m", "newsbot.bot", "--db", str(db), "ingest", str(corpus)]
    _kill_then_finish(
        command,
        no_seeds_env(tmp_path),
        db,
        kills=4,
        seed=1234,
        # From the first stored batch: files are read for up to a second between
        # commits, so a kill before it would find nothing stored.
        window=(0.0, 1.5),
        expected=ARTICLES,
        from_first_line=True,
    )


class _Pages(BaseHTTPRequestHandler):
    """/p/N: article N of the corpus as an HTML page."""

    corpus: Path

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        name = self.path.rsplit("/", 1)[-1]
        path = self.corpus / f"{name}.txt"
        if not path.is_file():
            self.send_response(404)
            self.end_headers()
            return
        headline, body = path.read_text("utf-8").split("\n\n", 1)
        page = f"<html><head><title>{headline}</title></head><body><article><h1>{headline}</h1>"
        page += f"<p>{body}</p></article></body></html>"
        data = page.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        # The ingest may be killed mid-fetch: that is the point of this test.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(data)


def test_killed_url_ingests_leave_a_consistent_store(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_corpus(corpus, count=URL_ARTICLES)
    handler = type("Pages", (_Pages,), {"corpus": corpus})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        url_list = tmp_path / "urls.txt"
        url_list.write_text(
            "\n".join(f"http://127.0.0.1:{port}/p/{n:04d}" for n in range(URL_ARTICLES))
        )
        db = tmp_path / "urls.db"
        command = [
            sys.executable,
            "-m",
            "newsbot.bot",
            "--db",
            str(db),
            "ingest",
            "--urls",
            str(url_list),
        ]
        env = no_seeds_env(tmp_path, NEWSBOT_ALLOW_PRIVATE_URLS="1")
        _kill_then_finish(
            command,
            env,
            db,
            kills=3,
            seed=99,
            window=(0.0, 1.0),
            expected=URL_ARTICLES,
            from_first_line=True,
        )
    finally:
        server.shutdown()
        server.server_close()
