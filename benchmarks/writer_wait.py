"""How long a second `newsbot ingest` waits behind a slow `newsbot ingest --urls`.

    python benchmarks/writer_wait.py --slow 8 --pages 4

A local server (127.0.0.1) answers each of `--pages` pages after `--slow` seconds
(under the fetch's 30 s deadline); the first ingest reads them one at a time
(`--workers 1`). Once it has stored its first
page, a second ingest adds one local file: the time it takes, and both exit codes,
are printed. Nothing is read from the network or a data folder.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def serve(slow: float) -> ThreadingHTTPServer:
    class Slow(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            n = self.path.rsplit("/", 1)[-1]
            time.sleep(slow)
            body = (
                f"<html><head><title>Slow page {n}</title></head><body><article>"
                f"<h1>Slow page {n}</h1><p>The harbour council met on Monday about slow page "
                f"{n} and its ferry timetable. Members agreed that route {n} would change in "
                "spring.</p></article></body></html>"
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slow", type=float, default=8.0, help="seconds before each page")
    parser.add_argument("--pages", type=int, default=4)
    args = parser.parse_args()
    server = serve(args.slow)
    port = server.server_address[1]
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        (work / "seeds").mkdir()
        urls = work / "urls.txt"
        urls.write_text("\n".join(f"http://127.0.0.1:{port}/slow/{n}" for n in range(args.pages)))
        (work / "two.txt").write_text(
            "Ferry strike ends\n\nThe ferry workers' union ended its strike on Thursday "
            "after a pay deal was agreed with the operator."
        )
        env = {**os.environ, "NEWSBOT_SEEDS": str(work / "seeds")}
        env["NEWSBOT_ALLOW_PRIVATE_URLS"] = "1"
        newsbot = [sys.executable, "-m", "newsbot.bot", "--db", str(work / "n.db")]
        began = time.monotonic()
        first = subprocess.Popen(
            [*newsbot, "ingest", "--workers", "1", "--urls", str(urls)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(args.slow + 2.0)  # the first page is stored; the second is being fetched
        started = time.monotonic()
        second = subprocess.run(
            [*newsbot, "ingest", str(work / "two.txt")], env=env, capture_output=True, text=True
        )
        took = time.monotonic() - started
        out, _ = first.communicate()
        print(f"{args.pages} pages, {args.slow:g} s each, read one at a time by the first ingest")
        print(
            f"second ingest: started at {started - began:.1f} s, took {took:.2f} s, "
            f"exit {second.returncode}: {second.stdout.strip()}"
        )
        print(
            f"first ingest: finished at {time.monotonic() - began:.1f} s, "
            f"exit {first.returncode}, {out.count(': added #')} pages added"
        )
    server.shutdown()


if __name__ == "__main__":
    main()
