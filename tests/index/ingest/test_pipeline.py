"""The ingest pipeline: preparing a stream of drafts, one result per item, in order."""

from __future__ import annotations

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
