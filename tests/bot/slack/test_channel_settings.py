"""Per-channel settings from Slack: which collections a channel answers from, when it
answers, and the question budget, through the fake Web API."""

from __future__ import annotations

import json

import pytest

from newsbot.bot.chat.budget import Budget, QuestionBudget
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
    runtime = bot.runtime
    runtime.engine.collect([1, 2, 3, 4, 5], "ukraine")
    added = runtime.engine.ingest_bytes(FERRY.encode(), "ferry.txt", collections="local")
    assert added.article_id == 6
    return bot


def _set(bot: Bot, text: str, user: str, channel: str) -> str:
    """A `/newsbot` setting's one line: in the acknowledgement itself."""
    return bot.command("/newsbot", text, user, channel=channel).json()["text"]


def test_a_scoped_channel_never_quotes_outside_its_collections(desks: Bot) -> None:
    assert _set(desks, "scope local", ADMIN, "CLOCAL") == (
        "This channel answers from collection local and answers @mentions."
    )
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
    (asked,) = desks.fake.wait_for("response_url")
    assert "Harbour ferry returns" in blocks_text(asked) and "Putin" not in blocks_text(asked)
    shown = desks.command("/newsbot", "scope", OTHER, channel="CLOCAL")
    assert shown.json()["text"].startswith("This channel answers from collection local")


def test_a_scoped_channel_says_where_it_looked_when_it_has_no_answer(desks: Bot) -> None:
    assert _set(desks, "scope local", ADMIN, "CLOCAL").startswith("This channel answers")
    question = "Who won the Nobel Peace Prize in Moscow?"  # unscoped: Putin's articles are closest
    desks.event(mention(question, channel="CLOCAL"), event_id="EvNo")
    (reply,) = desks.fake.wait_for("chat.postMessage")
    text = blocks_text(reply)
    assert "This channel answers only from the collection local." in text
    # Nothing of another collection shows: not its articles, not its name.
    assert "Putin" not in text and "Moscow" not in text.split("?", 1)[1]
    assert "ukraine" not in text


def test_scope_changes_are_for_admins_and_checked(desks: Bot) -> None:
    assert _set(desks, "scope local", ALLOWED, "C9") == (
        "Sorry, only newsbot admins can change this channel's settings."
    )
    assert _set(desks, "scope sport", ADMIN, "C9") == (
        "No collection is called “sport”. Collections: local (1), ukraine (5)."
    )
    assert "is not a collection name" in _set(desks, "scope Bad Name!", ADMIN, "C9")
    assert _set(desks, "scope ukraine, local", ADMIN, "C9").startswith(
        "This channel answers from collections ukraine, local"
    )
    assert _set(desks, "scope all", ADMIN, "C9").startswith(
        "This channel answers from every article"
    )
    assert desks.runtime.state.channel("slack", "C9").scope == "all"


def test_a_channel_set_to_questions_answers_plain_questions(desks: Bot) -> None:
    assert _set(desks, "answer questions", ADMIN, "CQ").endswith(
        "answers @mentions and every question ending in ?."
    )
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
    assert _set(desks, "answer silent", ADMIN, "CS").endswith("answers only /ask.")
    desks.event(mention(QUESTION, channel="CS"), event_id="EvSilent")
    desks.command("/ask", QUESTION, OTHER, channel="CS")
    assert "26" in blocks_text(desks.fake.wait_for("response_url")[0])
    assert _set(desks, "answer loud", ADMIN, "CS").startswith("“loud” is not a way to answer")
    desks.settle()
    assert desks.fake.of("chat.postMessage") == []


def test_past_the_question_budget_one_private_line_and_no_answer(bot: Bot) -> None:
    bot.runtime.budget = QuestionBudget(Budget(per_user=2, per_channel=100))
    for n in range(3):
        ts = f"1700000{n}00.000100"
        bot.event(mention(QUESTION, ts=ts), event_id=f"Ev{n}")
    (told,) = bot.fake.wait_for("chat.postEphemeral")
    assert told["user"] == OTHER and told["channel"] == "C1"
    assert "Please try again in" in told["text"]
    bot.command("/ask", QUESTION, OTHER)
    (refused,) = bot.fake.wait_for("response_url")
    assert "Please try again in" in refused["text"]
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
    (gap,) = bot.runtime.engine.gaps()
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
    (vote,) = bot.runtime.engine.feedback()
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
    assert bot.runtime.engine.collections() == {"local": 1}
    refused = bot.command("/ingest", f"—collection Bad! {FERRY}", ALLOWED)
    assert "is not a collection name" in refused.json()["text"]
