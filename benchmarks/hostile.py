"""Hostile inputs: time and peak memory of ingest per megabyte, for each kind.

    python benchmarks/hostile.py --sizes 250000,1000000 [--json hostile.json]

Each input is made here (nothing is read from disk): repeated abbreviations,
quotes and capitals for the speaker and sentence rules, lines with no end, HTML
with a huge tag, deep nesting or very many elements, and Markdown made of
markers. Each is read and prepared as `newsbot ingest` would (`draft_from_bytes`,
then `prepare`: cleaning, sentences, passages, terms, speakers, MinHash), in a
fresh process per input, so the peak resident memory is that input's own.
The tests run every kind at a small size with generous bounds
(`tests/index/ingest/test_hostile_inputs.py`); this prints the figures.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

Maker = Callable[[int], bytes]


def _repeat(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def _html(body: str) -> str:
    return (
        "<html><head><title>Harbour news</title></head><body><article><h1>Harbour news</h1>"
        f"{body}<p>The ferry sailed on time today, the harbour master said.</p>"
        "</article></body></html>"
    )


# name -> (suffix, maker): each maker returns about `size` bytes.
CASES: dict[str, tuple[str, Maker]] = {
    "titles": (".txt", lambda n: _repeat("Dr. Mr. St. ", n).encode()),
    "abbreviations": (".txt", lambda n: _repeat("U.S. e.g. i.e. Jan. No. ", n).encode()),
    "quotations": (".txt", lambda n: _repeat('"Yes," said Anna Bell. ', n).encode()),
    "open-quotes": (".txt", lambda n: _repeat('"a ', n).encode()),
    "capitals": (".txt", lambda n: _repeat("Alpha Beta ", n).encode()),
    "names-said": (".txt", lambda n: _repeat("John Smith said. He said. ", n).encode()),
    "one-word": (".txt", lambda n: ("Harbour " + "a" * n).encode()),
    "no-full-stop": (".txt", lambda n: _repeat("word ", n).encode()),
    "html-attributes": (
        ".html",
        lambda n: _html("<p " + " ".join(f'a{i}="v"' for i in range(n // 10)) + ">x</p>").encode(),
    ),
    "html-nesting": (
        ".html",
        lambda n: _html("<div>" * (n // 5) + "deep" + "</div>" * 10).encode(),
    ),
    "html-elements": (".html", lambda n: _html("<p>" + _repeat("<b>x</b> ", n) + "</p>").encode()),
    "markdown-images": (".md", lambda n: ("# Title\n\n" + _repeat("![a](", n)).encode()),
    "markdown-emphasis": (".md", lambda n: ("# Title\n\n" + _repeat("*a ", n)).encode()),
}


def ingest_once(name: str, size: int) -> dict[str, float | str]:
    """Read and prepare one input as ingest does; time and outcome."""
    from newsbot.index.errors import IngestError
    from newsbot.index.ingest.files import draft_from_bytes
    from newsbot.index.ingest.pipeline import prepare

    suffix, make = CASES[name]
    data = make(size)
    started = time.perf_counter()
    try:
        prepared = prepare(draft_from_bytes(data, f"hostile{suffix}", suffix=suffix))
        outcome = f"{len(prepared.passages)} passages"
    except IngestError as exc:
        outcome = f"refused: {exc}"
    return {"bytes": len(data), "seconds": time.perf_counter() - started, "outcome": outcome}


def _peak_rss_mb() -> float:
    """This process's own peak resident memory. Linux's VmHWM, not ru_maxrss: a
    spawned child keeps its parent's ru_maxrss across exec (a test run's 600 MB)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux


def _child(name: str, size: int, queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    result = ingest_once(name, size)
    result["peak_rss_mb"] = _peak_rss_mb()
    queue.put(result)


def measure(name: str, size: int) -> dict[str, float | str]:
    """`ingest_once` in a fresh process, with that process's peak resident memory."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_child, args=(name, size, queue))
    process.start()
    result = queue.get()
    process.join()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="250000,1000000", help="input sizes in bytes")
    parser.add_argument("--cases", default=",".join(CASES), help="which kinds, comma-separated")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    rows: dict[str, dict[str, dict[str, float | str]]] = {}
    print(f"{'input':18s} {'bytes':>10s} {'seconds':>8s} {'s per MB':>9s} {'peak MB':>8s}  outcome")
    for name in args.cases.split(","):
        rows[name] = {}
        for size in sizes:
            result = measure(name, size)
            rows[name][str(size)] = result
            per_mb = float(result["seconds"]) / (float(result["bytes"]) / 1e6)
            print(
                f"{name:18s} {int(result['bytes']):>10,d} {float(result['seconds']):>8.2f} "
                f"{per_mb:>9.2f} {float(result['peak_rss_mb']):>8.0f}  {result['outcome']}",
                flush=True,
            )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
