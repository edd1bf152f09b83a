"""The one answer layout, and the three renderers that follow it."""

from __future__ import annotations

import click

from newsbot.bot.chat import layout
from newsbot.bot.cli.render import render_answer, render_outcome
from newsbot.bot.discord import render as discord_render
from newsbot.bot.slack import render as slack_render
from newsbot.index.models import Answer, Article, Confidence, IngestOutcome, Quote, Status
from tests.bot.slack.limits import texts

PIER = Article(1, "Pier closed", "Post", "https://example.com/pier", "2025-01-10", "o")
FERRY = Article(2, "Ferry back", "Gazette", None, None, "ferry.txt")


def _quote(text: str, article: Article = PIER, speaker: str | None = None) -> Quote:
    return Quote(text, 0, len(text), 1.0, (), article, speaker=speaker)


def _answer(confidence: Confidence, *quotes: Quote, scope: tuple[str, ...] = ()) -> Answer:
    return Answer("Is the pier closed?", quotes, confidence, 0.5, scope=scope)


def test_the_summary_names_the_label_and_counts_the_quotes() -> None:
    two = _answer(Confidence.HIGH, _quote("The pier is closed."), _quote("It shut at noon."))
    assert layout.summary(two, layout.PLAIN) == "Confidence: high · 2 quotes"
    one = _answer(Confidence.MEDIUM, _quote("The pier is closed."))
    assert layout.summary(one, layout.PLAIN) == "Confidence: medium · 1 quote"


def test_the_lowest_band_reads_not_sure_with_the_closest_passage() -> None:
    low = _answer(Confidence.LOW, _quote("The pier is closed."))
    assert layout.not_sure(low)
    assert layout.summary(low, layout.PLAIN) == "Not sure · the closest passage I found"
    two = _answer(Confidence.LOW, _quote("a."), _quote("b.", FERRY))
    assert layout.summary(two, layout.PLAIN) == "Not sure · the closest passages I found"
    # Every surface says it, in its own markup; none says "low".
    assert "Not sure · the closest passage I found" in click.unstyle(render_answer(low))
    slack = slack_render.answer_message(low)
    assert any("*Not sure* · the closest passage" in t for t in slack_render_texts(slack))
    assert slack["text"].startswith("Not sure: ")
    discord = discord_render.answer_message(low)
    assert "**Not sure** · the closest passage I found" in discord["content"]
    assert "low" not in discord["content"].lower().replace("closest", "")


def slack_render_texts(message: dict) -> list[str]:
    return texts(message["blocks"])


def test_a_scoped_abstention_names_only_its_own_collections() -> None:
    unscoped = Answer("Who won?", (), Confidence.NONE, 0.0)
    assert layout.abstention(unscoped, layout.PLAIN) == layout.NOT_FOUND
    scoped = Answer("Who won?", (), Confidence.NONE, 0.0, scope=("local",))
    assert layout.abstention(scoped, layout.PLAIN) == (
        f"{layout.NOT_FOUND} This channel answers only from the collection local."
    )
    both = Answer("Who won?", (), Confidence.NONE, 0.0, scope=("local", "sport"))
    assert layout.abstention(both, layout.PLAIN, in_chat=False) == (
        f"{layout.NOT_FOUND} Only the collections local, sport were searched."
    )
    assert "collection local." in discord_render.answer_message(scoped)["content"]
    assert "Only the collection local was searched." in render_answer(scoped)


def test_quotes_are_grouped_under_one_source_per_article() -> None:
    first, second = _quote("The pier is closed.", speaker="Ann"), _quote("It shut at noon.")
    other = _quote("The ferry is back.", FERRY)
    groups = layout.by_article([first, other, second])
    assert groups == [(PIER, [first, second]), (FERRY, [other])]
    answer = _answer(Confidence.HIGH, first, other, second)
    # Slack: one context line for each article, however many of its sentences are quoted.
    message = slack_render.answer_message(answer)
    sources = [b for b in message["blocks"] if b["type"] == "context"]
    lines = [b["elements"][0]["text"] for b in sources]
    assert sum("Pier closed" in line for line in lines) == 1
    assert sum("Ferry back" in line for line in lines) == 1
    # The two quotes of one article name their speakers with the quotes, not the source.
    quoted = [b["text"]["text"] for b in message["blocks"] if b["type"] == "section"]
    assert any(text.endswith("\n— *Ann*") for text in quoted)
    # The terminal: the article's source line once, after its two quotes.
    text = click.unstyle(render_answer(answer))
    assert text.count("#1 Pier closed") == 1 and text.count("#2 Ferry back") == 1
    assert text.index("It shut at noon.") < text.index("#1 Pier closed")
    assert "ferry.txt [0:18]" in text  # where the quote is, for an article without a link


def test_one_outcome_line_for_every_surface() -> None:
    added = IngestOutcome("a.txt", Status.ADDED, 7, "Pier <closed>", "Post", passage_count=1)
    assert render_outcome(added) == "a.txt: added #7: Pier <closed> · Post (1 passage)"
    assert slack_render.outcome_text(added) == "Added #7: *Pier &lt;closed&gt;* · Post (1 passage)"
    assert (
        discord_render.outcome_text(added) == "Added #7: **Pier \\<closed\\>** · Post (1 passage)"
    )
    duplicate = IngestOutcome("a.txt", Status.DUPLICATE, article_id=7)
    assert render_outcome(duplicate) == "a.txt: already indexed as #7"
    assert slack_render.outcome_text(duplicate) == "Already indexed as #7."
    near = IngestOutcome("b.txt", Status.NEAR_DUPLICATE, article_id=7, similarity=0.93)
    assert render_outcome(near) == "b.txt: near-duplicate of #7 (93% the same text); not added"
    assert discord_render.outcome_text(near) == (
        "Not added: b.txt is a near-duplicate of #7 (93% the same text)."
    )
    failed = IngestOutcome("c.txt", Status.FAILED, reason="the input is empty.")
    assert render_outcome(failed) == "c.txt: failed: the input is empty."
    assert slack_render.outcome_text(failed) == "Could not add c.txt: the input is empty."


def test_the_staleness_note_is_one_sentence_everywhere() -> None:
    old = Answer("q?", (_quote("The pier is closed."),), Confidence.HIGH, 0.9, stale_days=681)
    note = "Note: the newest of these sources is 681 days old."
    assert layout.stale_note(old) == note
    assert note in click.unstyle(render_answer(old))
    assert note in discord_render.answer_message(old)["content"]
    assert note in slack_render_texts(slack_render.answer_message(old))
