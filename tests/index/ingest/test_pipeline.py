"""The ingest pipeline: preparing a stream of drafts, one result per item, in order."""

from __future__ import annotations

import subprocess
import sys

import pytest

from newsbot.index.errors import EmptyArticleError
from newsbot.index.ingest import pipeline
from newsbot.index.models import ArticleDraft, PreparedArticle

BODY = "The harbour trust said on Tuesday that two keepers will live at the lighthouse."


def test_each_item_gets_its_result_in_order() -> None:
    drafts = [
        ArticleDraft(text=BODY, origin="a"),
        ArticleDraft(text="Menu", origin="b"),  # nothing left after cleaning
        ArticleDraft(text=BODY + " Again.", origin="c"),
    ]
    results = list(pipeline.prepare_many(drafts))
    assert [type(r) for r in results] == [
        PreparedArticle,
        EmptyArticleError,
        PreparedArticle,
    ]
    first = results[0]
    assert isinstance(first, PreparedArticle)
    assert len(first.speakers) == len(first.passages)
    assert [len(s) for s in first.speakers] == [len(p.sentences) for p in first.passages]


def test_a_stop_iteration_bug_is_loud_not_the_end_of_the_stream(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """It once was the end: a StopIteration from speaker attribution ended a bulk
    ingest early, and the items after it were neither stored nor reported."""

    def broken(draft: ArticleDraft) -> None:
        raise StopIteration

    monkeypatch.setattr(pipeline, "prepare", broken)
    drafts = [ArticleDraft(text=BODY, origin=name) for name in "abc"]
    with pytest.raises(RuntimeError, match="StopIteration"):
        list(pipeline.prepare_many(drafts))


_STOPPED_EARLY = """
import signal
from newsbot.index.ingest.pipeline import prepare_many
from newsbot.index.models import ArticleDraft

def interrupt(signum, frame):
    raise KeyboardInterrupt

signal.signal(signal.SIGTERM, interrupt)  # what `serve` installs in its process
text = "Story {}: the harbour ferry number {} sailed on Monday with its cargo."
drafts = [ArticleDraft(text=text.format(n, n), origin=str(n)) for n in range(2000)]
stream = prepare_many(drafts, workers=2)
for n, _ in enumerate(stream):
    if n == 250:
        break
stream.close()  # an ingest stopped early (a full disk): the pool is terminated
print("closed", flush=True)
"""


def test_workers_die_on_terminate_whatever_handler_they_inherited() -> None:
    """Workers forked with a SIGTERM handler that raises lived on through
    Pool.terminate() (a KeyboardInterrupt traceback from each), and once an ingest
    stopped early hung joining one."""
    done = subprocess.run(
        [sys.executable, "-c", _STOPPED_EARLY], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "closed"
    assert "KeyboardInterrupt" not in done.stderr and "Traceback" not in done.stderr
