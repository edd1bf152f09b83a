"""Reading and preparing one article in a child process, under a time and a memory limit.

A server must not let one input take it down: a page that takes minutes to
extract, or text that needs gigabytes, would hold the interpreter from
answering or bring the process down. Here the CPU-heavy part (extraction,
sentences, terms, speakers, MinHash) runs in a child, forked from a server
process that has the engine's code loaded; the parent only waits. A child past
its time is killed, one past its memory fails its allocation: either way the
item is one failed outcome and nothing is stored. Storing the prepared article
stays the ingester's, and takes milliseconds.
"""

from __future__ import annotations

import multiprocessing
import resource
from dataclasses import dataclass
from functools import cache
from multiprocessing.connection import Connection
from pathlib import Path

from newsbot.index.errors import IngestError
from newsbot.index.ingest.pipeline import Item, Prepared, ToRead, origin_of, prepare_item
from newsbot.index.models import IngestOutcome, PreparedArticle


@dataclass(frozen=True)
class IngestLimits:
    """What one item may cost to read and prepare: seconds of wall time, and megabytes
    of memory beyond what the child starts with."""

    seconds: float = 60.0
    memory_mb: int = 1024

    def __post_init__(self) -> None:
        if not self.seconds > 0 or self.memory_mb < 64:
            raise ValueError("seconds must be > 0 and memory_mb >= 64")


@cache
def _context() -> multiprocessing.context.BaseContext:
    """Forkserver: safe beside the server's threads (fork is not), and quick, since
    its server has the ingest code imported once (spawn would import it per item)."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["newsbot.index.ingest.isolated"])
    return context


def prepare_isolated(item: Item, *, limits: IngestLimits) -> Prepared:
    """`prepare_item` in a child under `limits`; an item decided already passes through."""
    if isinstance(item, PreparedArticle | IngestError | IngestOutcome):
        return item
    return _run(item, origin_of(item), limits)


def _run(item: ToRead, origin: str, limits: IngestLimits) -> Prepared:
    receive, send = _context().Pipe(duplex=False)
    child = _context().Process(
        target=_child, args=(send, item, limits.memory_mb), name="newsbot-prepare", daemon=True
    )
    child.start()
    send.close()  # the child's end: once it exits, the parent's poll sees end of file
    try:
        if receive.poll(limits.seconds):
            try:
                result: Prepared = receive.recv()
            except EOFError:  # it died before sending anything
                result = _died(child, origin, limits)
        else:
            child.kill()
            result = IngestError(
                f"reading it took longer than {limits.seconds:g} s; it was stopped and "
                "nothing was stored.",
                origin=origin,
            )
    finally:
        receive.close()
        child.join(timeout=10)
    return result


def _died(
    child: multiprocessing.process.BaseProcess, origin: str, limits: IngestLimits
) -> IngestError:
    child.join(timeout=10)
    return IngestError(
        f"reading it stopped the reader (exit code {child.exitcode}), most likely past "
        f"its {limits.memory_mb:,} MB memory limit; nothing was stored.",
        origin=origin,
    )


def _memory_in_use() -> int:
    """This process's virtual size in bytes (what RLIMIT_AS counts)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    return 0


def _child(send: Connection, item: ToRead, memory_mb: int) -> None:
    in_use = _memory_in_use()
    if in_use:  # not Linux: no limit but the time one
        limit = in_use + memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        send.send(prepare_item(item))
    except MemoryError:
        send.send(
            IngestError(
                f"reading it needs more than the {memory_mb:,} MB memory limit; "
                "nothing was stored.",
                origin=origin_of(item),
            )
        )
    finally:
        send.close()
