"""Slack at real size: the whole BBC News corpus (../shared/data; skipped without it),
paged through `/newsbot sources` and answered with its longest passages, every
message inside Slack's limits as slack_sdk and the message-size check read them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsbot.bot.slack import render
from newsbot.index import Engine
from tests.bot.slack.conftest import OTHER, Bot, blocks_text, buttons, press, start_bot
from tests.bot.slack.fake_slack import FakeSlack
from tests.bot.slack.limits import assert_within_slack_limits

_LISTED = re.compile(r"^#(\d+) ", re.MULTILINE)


@pytest.fixture
def bbc_bot(slack_env: None, fake_slack: FakeSlack, bbc_db: Path) -> Iterator[Bot]:
    with Engine(bbc_db) as engine:
        running = start_bot(engine, fake_slack)
        yield running
        running.stop()


def _pages(bot: Bot, text: str) -> list[dict]:
    """Every page of `/newsbot sources TEXT`, pressing Next until there is none."""
    bot.command("/newsbot", text, OTHER)
    pages = bot.fake.wait_for("response_url")
    while "Next" in buttons(pages[-1]):
        press(bot, buttons(pages[-1])["Next"], path=f"page{len(pages) + 1}")
        pages = bot.fake.wait_for("response_url", len(pages) + 1)
    return pages


def test_every_bbc_article_is_listed_once_a_page_at_a_time(bbc_bot: Bot) -> None:
    every = [a.id for a in bbc_bot.runtime.engine.sources()]
    assert len(every) > 2000
    pages = _pages(bbc_bot, "sources")
    assert len(pages) == -(-len(every) // 15)
    listed: list[int] = []
    for number, page in enumerate(pages, 1):
        assert_within_slack_limits(page)
        assert f"page {number:,} of {len(pages):,}" in page["blocks"][0]["text"]["text"]
        listed.extend(int(n) for n in _LISTED.findall(blocks_text(page)))
    assert listed == every


def test_a_filtered_bbc_listing_is_paged_too(bbc_bot: Bot) -> None:
    engine = bbc_bot.runtime.engine
    wanted = [a.id for a in engine.sources("england")]
    assert len(wanted) > 15  # more than one page
    pages = _pages(bbc_bot, "sources England")
    listed = [int(n) for page in pages for n in _LISTED.findall(blocks_text(page))]
    assert listed == wanted
    for page in pages:
        assert_within_slack_limits(page)


def _longest_passages(engine: Engine, count: int) -> list[str]:
    texts = [(len(t := engine.library.store.article_text(a.id)), t) for a in engine.sources()]
    return [t for _, t in sorted(texts, reverse=True)[:count]]


def test_the_largest_real_answers_fit(bbc_bot: Bot) -> None:
    engine = bbc_bot.runtime.engine
    sizes, answered = [], 0
    # The longest articles' opening sentences, asked back: long quotes, many sources.
    for text in _longest_passages(engine, 40):
        question = " ".join(text.split()[:60])
        answer = engine.answer(question)
        message = render.answer_message(answer, share_id="x" * 22, preface="Shared by <@U1>")
        assert_within_slack_limits(message)
        sizes.append(render.message_size(message))
        answered += not answer.abstained
    assert answered >= 30 and max(sizes) > 1000  # real answers, not abstentions
    # And one through /ask, end to end.
    bbc_bot.command("/ask", "Who won the Best Film award at the Oscars?", OTHER)
    (private,) = bbc_bot.fake.wait_for("response_url")
    assert_within_slack_limits(private)
