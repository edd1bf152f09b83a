"""Discord at real size: the whole BBC News corpus (../shared/data; skipped without it),
paged through `/newsbot sources` with its buttons and answered with its longest
passages, every message inside Discord's documented limits."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from newsbot.bot.discord import render
from newsbot.index import Engine
from tests.bot.discord.conftest import (
    OTHER,
    DiscordBot,
    interaction,
    option,
    slash,
    start_discord,
)
from tests.bot.discord.fake_discord import FakeDiscord
from tests.bot.discord.test_render import within_limits

_LISTED = re.compile(r"^#(\d+) ", re.MULTILINE)


@pytest.fixture
def bbc_discord(discord_env: None, fake_discord: FakeDiscord, bbc_db: Path) -> Iterator[DiscordBot]:
    with Engine(bbc_db) as engine:
        running = start_discord(engine, fake_discord)
        yield running
        running.stop()


def _next(data: dict[str, Any]) -> str | None:
    """The custom_id of the page's Next button, if it has one."""
    return next(
        (
            b["custom_id"]
            for row in data.get("components", [])
            for b in row["components"]
            if b["label"] == "Next"
        ),
        None,
    )


def _pages(bot: DiscordBot, match: str | None = None) -> list[dict[str, Any]]:
    """Every page of `/newsbot sources`, pressing Next until there is none."""
    sub: dict[str, Any] = {"name": "sources", "type": 1}
    if match:
        sub["options"] = [option("match", match)]
    pages = [bot.post(slash("newsbot", [sub])).json()["data"]]
    while (custom_id := _next(pages[-1])) is not None:
        click = interaction(3, {"custom_id": custom_id, "component_type": 2}, user=OTHER)
        reply = bot.post(click).json()
        assert reply["type"] == 7
        pages.append(reply["data"])
    return pages


def _listed(page: dict[str, Any]) -> list[int]:
    return [int(n) for n in _LISTED.findall(page["embeds"][0]["description"])]


def test_every_bbc_article_is_listed_once_a_page_at_a_time(bbc_discord: DiscordBot) -> None:
    every = [a.id for a in bbc_discord.runtime.engine.sources()]
    assert len(every) > 2000
    pages = _pages(bbc_discord)
    assert len(pages) == -(-len(every) // 15)
    for number, page in enumerate(pages, 1):
        within_limits(page)
        assert page["embeds"][0]["title"].endswith(f"page {number:,} of {len(pages):,}")
    assert [n for page in pages for n in _listed(page)] == every


def test_a_filtered_bbc_listing_is_paged_too(bbc_discord: DiscordBot) -> None:
    wanted = [a.id for a in bbc_discord.runtime.engine.sources("england")]
    assert len(wanted) > 15
    pages = _pages(bbc_discord, "England")
    assert [n for page in pages for n in _listed(page)] == wanted
    for page in pages:
        within_limits(page)


def test_the_largest_real_answers_fit(bbc_discord: DiscordBot) -> None:
    engine = bbc_discord.runtime.engine
    texts = sorted((engine.library.store.article_text(a.id) for a in engine.sources()), key=len)
    answered = 0
    for text in texts[-40:]:
        answer = engine.answer(" ".join(text.split()[:60]))
        within_limits(render.answer_message(answer, share_id="x" * 22, ephemeral=True))
        answered += not answer.abstained
    assert answered >= 30
    reply = bbc_discord.post(slash("ask", [option("question", "Who won Best Film?")])).json()
    within_limits(reply["data"])
