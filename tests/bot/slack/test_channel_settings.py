"""Per-channel settings from Slack: which collections a channel answers from, when it
answers, and the question budget, through the fake Web API."""

from __future__ import annotations

import json

import pytest

from newsbot.bot.budget import Budget, QuestionBudget
from tests.bot.slack.conftest import (
    ADMIN,
    ALLOWED,
    OTHER,
    Bot,
    blocks_text,
    buttons,
    mention,
    message,
    press,
)
from tests.bot.slack.limits import assert_within_slack_limits

FERRY = (
    "Harbour ferry returns\n\nThe island ferry returned to service on Monday after repairs, "
    "the harbour council said. Twenty countries sent engineers to help with the repairs."
)
QUESTION = "How many countries pledged to send troops?"


@pytest.fixture
def desks(bot: Bot) -> Bot:
    """The seeds (#1-#5) in "ukraine", a ferry story (#6) in "local"."""
    runtime = bot.services.runtime
    runtime.write(runtime.engine.collect, [1, 2, 3, 4, 5], "ukraine")
    added = runtime.write(
        runtime.engine.ingest_bytes, FERRY.encode(), "ferry.txt", collections="local"
    )
    assert added.article_id == 6
    return bot


def _said(bot: Bot, count: int) -> str:
    return bot.fake.wait_for("response_url", count)[count - 1]["text"]


def test_a_scoped_channel_never_quotes_outside_its_collections(desks: Bot) -> None:
    desks.command("/newsbot", "scope local", ADMIN, channel="CLOCAL")
    assert _said(desks, 1) == ("This channel answers from collection local and answers @mentions.")
    desks.event(mention(QUESTION, channel="CLOCAL"), event_id="EvLocal")
    (local,) = desks.fake.wait_for("chat.postMessage")
    assert "Harbour ferry returns" in blocks_text(local) and "Putin" not in blocks_text(local)
    # The same question where no scope is set: the Ukraine coverage answers.
    desks.event(mention(QUESTION, channel="COTHER", ts="1700000200.000100"), event_id="EvOther")
    other = desks.fake.wait_for("chat.postMessage", 2)[1]
    first_quote = other["blocks"][1]["text"]["text"]
    assert "26 *countries*" in first_quote
    # /ask in the scoped channel is scoped too; anyone may see the setting.
    desks.command("/ask", QUESTION, OTHER, channel="CLOCAL")
    asked = desks.fake.wait_for("response_url", 2)[1]
    assert "Harbour ferry returns" in blocks_text(asked) and "Putin" not in blocks_text(asked)
    shown = desks.command("/newsbot", "scope", OTHER, channel="CLOCAL")
    assert shown.json()["text"].startswith("This channel answers from collection local")


def test_scope_changes_are_for_admins_and_checked(desks: Bot) -> None:
    desks.command("/newsbot", "scope local", ALLOWED, channel="C9")
    assert _said(desks, 1) == "Sorry, only newsbot admins can change this channel's settings."
    desks.command("/newsbot", "scope sport", ADMIN, channel="C9")
    assert _said(desks, 2) == (
        "No collection is called “sport”. Collections: local (1), ukraine (5)."
    )
    desks.command("/newsbot", "scope Bad Name!", ADMIN, channel="C9")
    assert "is not a collection name" in _said(desks, 3)
    desks.command("/newsbot", "scope ukraine, local", ADMIN, channel="C9")
    assert _said(desks, 4).startswith("This channel answers from collections ukraine, local")
    desks.command("/newsbot", "scope all", ADMIN, channel="C9")
    assert _said(desks, 5).startswith("This channel answers from every article")
    assert desks.services.state.channel("slack", "C9").scope == "all"


def test_a_channel_set_to_questions_answers_plain_questions(desks: Bot) -> None:
    desks.command("/newsbot", "answer questions", ADMIN, channel="CQ")
    assert _said(desks, 1).endswith("answers @mentions and every question ending in ?.")
    desks.event(
        message("lunch at noon", ts="1700000300.000100", channel="CQ", channel_type="channel"),
        event_id="EvChatter",
    )
    desks.event(
        message(QUESTION, ts="1700000301.000100", channel="CQ", channel_type="channel"),
        event_id="EvQuestion",
    )
    (reply,) = desks.fake.wait_for("chat.postMessage")
    assert reply["thread_ts"] == "1700000301.000100" and "26" in blocks_text(reply)
    desks.settle()
    assert len(desks.fake.of("chat.postMessage")) == 1  # the chatter got nothing


def test_a_silent_channel_answers_only_ask(desks: Bot) -> None:
    desks.command("/newsbot", "answer silent", ADMIN, channel="CS")
    assert _said(desks, 1).endswith("answers only /ask.")
    desks.event(mention(QUESTION, channel="CS"), event_id="EvSilent")
    desks.command("/ask", QUESTION, OTHER, channel="CS")
    assert "26" in blocks_text(desks.fake.wait_for("response_url", 2)[1])
    desks.command("/newsbot", "answer loud", ADMIN, channel="CS")
    assert _said(desks, 3).startswith("“loud” is not a way to answer")
    desks.settle()
    assert desks.fake.of("chat.postMessage") == []


def test_past_the_question_budget_one_private_line_and_no_answer(bot: Bot) -> None:
    bot.services.runtime.budget = QuestionBudget(Budget(per_user=2, per_channel=100))
    for n in range(3):
        ts = f"1700000{n}00.000100"
        bot.event(mention(QUESTION, ts=ts), event_id=f"Ev{n}")
    (told,) = bot.fake.wait_for("chat.postEphemeral")
    assert told["user"] == OTHER and told["channel"] == "C1"
    assert "Please try again in" in told["text"]
    refused = bot.command("/ask", QUESTION, OTHER)
    assert "Please try again in" in refused.json()["text"]
    bot.settle()
    assert len(bot.fake.of("chat.postMessage")) == 2


def _home_opened(bot: Bot, user: str, event_id: str) -> None:
    bot.event(
        {"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home"}, event_id=event_id
    )


def test_app_home_shows_admins_what_nobody_could_answer(bot: Bot) -> None:
    bot.event(mention("Who won the Nobel Peace Prize?"), event_id="EvGap")
    bot.fake.wait_for("chat.postMessage")
    _home_opened(bot, ADMIN, "EvHomeAdmin")
    (published,) = bot.fake.wait_for("views.publish")
    assert published["user_id"] == ADMIN
    view = (
        published["view"] if isinstance(published["view"], dict) else json.loads(published["view"])
    )
    assert view["type"] == "home"
    assert_within_slack_limits({"text": "home", "blocks": view["blocks"]})
    text = blocks_text(view)
    assert "*What nobody could answer*" in text and "“Who won the Nobel Peace Prize?”" in text
    assert "*1 time* · last " in text and "Closest: " in text and "*Newest articles*" in text
    # Anyone else: how to ask, and no gaps.
    _home_opened(bot, OTHER, "EvHomeOther")
    other = bot.fake.wait_for("views.publish", 2)[1]
    view = other["view"] if isinstance(other["view"], dict) else json.loads(other["view"])
    assert "Nobel" not in json.dumps(view) and "5 articles" in blocks_text(view)
    # Abstentions in chat are kept with where they were asked.
    (gap,) = bot.services.engine.gaps()
    assert gap.surfaces == ("slack",)


def test_readers_vote_under_every_answer_and_can_change_their_vote(bot: Bot) -> None:
    bot.event(mention(QUESTION), event_id="EvVote")
    (answer,) = bot.fake.wait_for("chat.postMessage")
    assert list(buttons(answer)) == ["👍", "👎"]
    press(bot, buttons(answer)["👎"], path="down")
    (told,) = bot.fake.wait_for("response_url")
    assert told["response_type"] == "ephemeral" and told["replace_original"] is False
    assert told["text"].startswith("Thanks: your 👎 is noted")
    press(bot, buttons(answer)["👍"], path="up")  # changed
    assert bot.fake.wait_for("response_url", 2)[1]["text"].startswith("Thanks: your 👍")
    (vote,) = bot.services.engine.feedback()
    assert (vote.vote, vote.user, vote.surface, vote.channel) == (1, OTHER, "slack", "C1")
    assert vote.question == QUESTION
    bot.command("/ask", QUESTION, ADMIN)
    private = bot.fake.wait_for("response_url", 3)[2]
    assert list(buttons(private)) == ["Share in channel", "👍", "👎"]
    press(bot, {"action_id": "vote_up", "value": "gone-answer"}, path="gone")
    gone = bot.fake.wait_for("response_url", 4)[3]
    assert gone["text"] == "That answer is no longer kept, so the vote was not recorded."


def test_ingest_files_into_a_collection(bot: Bot) -> None:
    reply = bot.command("/ingest", f"--collection local {FERRY}", ALLOWED)
    assert reply.json()["text"] == "Adding the pasted article…"
    (added,) = bot.fake.wait_for("response_url")
    assert added["text"].startswith("Added #6: *Harbour ferry returns*")
    assert bot.services.engine.collections() == {"local": 1}
    refused = bot.command("/ingest", f"—collection Bad! {FERRY}", ALLOWED)
    assert "is not a collection name" in refused.json()["text"]
