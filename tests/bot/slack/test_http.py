"""The real HTTP endpoint, signed requests, and a fake Slack Web API, all on 127.0.0.1."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import httpx
import pytest

from newsbot.bot.chat.replies import GENERIC_FAILURE, REFUSED_INGEST
from newsbot.bot.slack import render
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
    start_bot,
)
from tests.bot.slack.fake_slack import BOT_TOKEN, BOT_USER
from tests.bot.slack.limits import assert_within_slack_limits
from tests.corpora import write_corpus


def test_mention_gets_a_threaded_reply_with_quotes(bot: Bot) -> None:
    response = bot.event(mention("How many countries pledged to send troops?"))
    assert response.status_code == 200
    (reply,) = bot.fake.wait_for("chat.postMessage")
    assert reply["channel"] == "C1"
    assert reply["thread_ts"] == "1700000100.000100"
    assert reply["auth"] == f"Bearer {BOT_TOKEN}"
    text = blocks_text(reply)
    assert ">" in text and "*troops*" in text and "26" in text
    assert "Confidence:" in text
    assert reply["text"]  # the fallback is always set


def test_abstention_lists_the_closest_headlines(bot: Bot) -> None:
    bot.event(mention("Who won the 2024 Nobel Peace Prize?"))
    (reply,) = bot.fake.wait_for("chat.postMessage")
    text = blocks_text(reply)
    assert "I could not find an answer to that in my articles." in text
    closest = text.split("Closest articles:\n", 1)[1].splitlines()
    headlines = {a.headline for a in bot.runtime.engine.sources()}
    assert 1 <= len(closest) <= 3
    assert all(line.removeprefix("• ") in headlines for line in closest)
    assert reply["text"] == (
        "I could not find an answer to “Who won the 2024 Nobel Peace Prize?” in my articles."
    )


def test_dm_gets_an_answer_in_the_conversation(bot: Bot) -> None:
    bot.event(
        message(
            "Where did Putin invite Zelensky for talks?",
            ts="1700000200.000100",
            channel="D1",
            channel_type="im",
        )
    )
    (reply,) = bot.fake.wait_for("chat.postMessage")
    assert reply["channel"] == "D1"
    assert "thread_ts" not in reply or reply["thread_ts"] in (None, "")
    assert "Moscow" in blocks_text(reply)


def test_follow_up_in_thread_uses_the_earlier_question(bot: Bot) -> None:
    root = "1700000300.000100"
    bot.event(
        mention("Which countries offered to host a meeting between the leaders?", ts=root),
        event_id="EvA",
    )
    bot.fake.wait_for("chat.postMessage")
    bot.event(
        message(
            "and Türkiye?",
            ts="1700000301.000100",
            channel="C1",
            channel_type="channel",
            thread_ts=root,
        ),
        event_id="EvB",
    )
    replies = bot.fake.wait_for("chat.postMessage", 2)
    assert replies[1]["thread_ts"] == root
    assert "Türkiye" in blocks_text(replies[1])


def test_opt_out_prefix_and_unknown_threads_get_no_reply(bot: Bot) -> None:
    root = "1700000400.000100"
    bot.event(mention("Where did Putin invite Zelensky for talks?", ts=root), event_id="EvA")
    bot.fake.wait_for("chat.postMessage")
    bot.event(
        message(
            "// just a note for the team",
            ts="1700000401.000100",
            channel="C1",
            channel_type="channel",
            thread_ts=root,
        ),
        event_id="EvB",
    )
    bot.event(
        message(
            "what about Moscow?",
            ts="1700000402.000100",
            channel="C1",
            channel_type="channel",
            thread_ts="1699999999.000001",
        ),
        event_id="EvC",
    )
    bot.event(
        message(
            "plain channel chatter", ts="1700000403.000100", channel="C1", channel_type="channel"
        ),
        event_id="EvD",
    )
    bot.settle()
    (reply,) = bot.fake.of("chat.postMessage")
    assert reply["thread_ts"] == root and "Moscow" in blocks_text(reply)


def test_other_bots_and_newsbot_itself_are_ignored(bot: Bot) -> None:
    bot.event(
        message(
            "How many countries pledged?",
            ts="1700000500.000100",
            channel="D1",
            channel_type="im",
            bot_id="BOTHER",
        ),
        event_id="EvA",
    )
    bot.event(
        message(
            "How many countries pledged?",
            ts="1700000501.000100",
            channel="D1",
            channel_type="im",
            user=BOT_USER,
        ),
        event_id="EvB",
    )
    bot.settle()
    assert bot.fake.of("chat.postMessage") == []


def test_retried_event_gets_no_second_reply_even_after_restart(bot: Bot) -> None:
    event = mention("Where did Putin invite Zelensky for talks?")
    bot.event(event, event_id="EvRetry")
    bot.fake.wait_for("chat.postMessage")
    bot.event(
        event,
        event_id="EvRetry",
        headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
    )
    # A restarted server on the same database remembers the event too.
    restarted = start_bot(bot.runtime.engine, bot.fake)
    try:
        restarted.event(event, event_id="EvRetry", headers={"X-Slack-Retry-Num": "2"})
        restarted.settle()
    finally:
        restarted.stop()
    bot.settle()
    (reply,) = bot.fake.of("chat.postMessage")
    assert "Moscow" in blocks_text(reply)


def test_one_message_as_mention_and_dm_gets_one_reply(bot: Bot) -> None:
    ts = "1700000600.000100"
    bot.event(
        mention("Where did Putin invite Zelensky for talks?", ts=ts, channel="D1"),
        event_id="EvMention",
    )
    bot.event(
        message(
            f"<@{BOT_USER}> Where did Putin invite Zelensky for talks?",
            ts=ts,
            channel="D1",
            channel_type="im",
        ),
        event_id="EvIm",
    )
    bot.settle()
    (reply,) = bot.fake.of("chat.postMessage")
    assert (reply["channel"], reply["thread_ts"]) == ("D1", ts)
    assert "Moscow" in blocks_text(reply)


@pytest.mark.parametrize("tamper", ["signature", "stale"])
def test_bad_or_stale_signature_gets_401_and_no_work(bot: Bot, tamper: str) -> None:
    event = mention("How many countries pledged to send troops?")
    if tamper == "signature":
        response = bot.event(event, signature="v0=" + "0" * 64)
    else:
        response = bot.event(event, timestamp=int(time.time()) - 10 * 60)
    assert response.status_code == 401
    bot.settle()
    assert bot.fake.of("chat.postMessage") == []


def _share(bot: Bot, button: dict[str, Any], *, channel: str = "C1", path: str = "share") -> None:
    press(bot, button, channel=channel, path=path)


def _share_button(private: dict[str, Any]) -> dict[str, Any]:
    (actions,) = [b for b in private["blocks"] if b["type"] == "actions"]
    button = actions["elements"][0]
    assert button["text"]["text"] == "Share in channel"
    return button


def test_ask_is_ephemeral_then_shared(bot: Bot) -> None:
    response = bot.command("/ask", "Where did Putin invite Zelensky for talks?", OTHER)
    assert response.status_code == 200
    (private,) = bot.fake.wait_for("response_url")
    assert private["response_type"] == "ephemeral"
    button = _share_button(private)
    assert len(button["value"]) == 22  # an id, not the question
    _share(bot, button)
    shared, deleted = bot.fake.wait_for("response_url", 3)[1:]
    assert shared["response_type"] == "in_channel"  # through response_url: no channel join needed
    assert "Moscow" in blocks_text(shared)
    assert f"<@{OTHER}>" in blocks_text(shared)
    assert deleted["delete_original"] is True
    assert bot.fake.of("chat.postMessage") == []


def test_a_long_cyrillic_question_is_shared_as_it_was_shown(bot: Bot) -> None:
    # 1,000 characters, the engine's longest question (340 broke the old button, whose
    # value held the question as ASCII-escaped JSON, cut at 2,000 characters).
    article = (
        "Войска для Украины\n\nДвадцать шесть стран пообещали отправить войска в Украину "
        "после прекращения огня, заявил президент Франции в Париже. Россия отвергла это "
        "предложение и назвала иностранные войска законными целями."
    )
    bot.runtime.ingest_bytes(article.encode(), "ru.txt")
    question = "Сколько стран пообещали отправить войска в Украину после прекращения огня? " * 14
    question = question[:1000].rsplit(" ", 1)[0]
    bot.command("/ask", question, OTHER)
    (private,) = bot.fake.wait_for("response_url")
    button = _share_button(private)
    shown = [b for b in private["blocks"] if b["type"] != "actions"]
    # The articles change between the answer and the share: what was shown is shared.
    bot.runtime.forget(6)  # the quoted article, gone
    _share(bot, button, channel="CNOTJOINED", path="share-cyrillic")
    shared = bot.fake.wait_for("response_url", 2)[1]
    assert shared["response_type"] == "in_channel"
    # After the "Shared by" line, the same blocks; the question clipped for the channel.
    assert shared["blocks"][2:] == shown[1:]
    asked = shared["blocks"][1]["text"]["text"]
    assert asked.startswith("*Q:* Сколько стран") and asked.endswith("…")
    assert len(asked) <= len("*Q:* ") + render.SHARED_QUESTION_LIMIT
    assert "Париже" in blocks_text(shared)
    assert shared["text"].startswith("“Двадцать шесть стран")  # the quote, though forgotten


def test_a_3000_character_cyrillic_question_is_one_clear_private_line(bot: Bot) -> None:
    question = ("Сколько стран пообещали отправить войска? " * 80)[:3000]
    bot.command("/ask", question, OTHER)
    (told,) = bot.fake.wait_for("response_url")
    assert told["response_type"] == "ephemeral"
    assert told["text"] == "The question is 3,000 characters long; the limit is 1,000."


def test_a_share_slack_refuses_is_explained_privately(bot: Bot) -> None:
    bot.command("/ask", "Where did Putin invite Zelensky for talks?", OTHER)
    (private,) = bot.fake.wait_for("response_url")
    bot.fake.refused_responses["/response/refused"] = (404, "channel_not_found")
    _share(bot, _share_button(private), path="refused")
    told = bot.fake.wait_for("response_url", 3)[2]
    assert told["response_type"] == "ephemeral"
    assert told["text"].startswith("Slack would not post the answer in this channel")
    assert "channel_not_found" in told["text"]


def test_an_unknown_or_expired_share_is_one_private_line(bot: Bot) -> None:
    _share(bot, {"action_id": "share_answer", "value": "no-such-answer-id-00000"}, path="old")
    (told,) = bot.fake.wait_for("response_url")
    assert told["text"] == "That answer is too old to share; ask again with /ask."


def test_ingest_by_allowed_user_confirms_with_headline(bot: Bot) -> None:
    text = (
        "Lighthouse keeper retires\n\nThe last lighthouse keeper on the island retired on "
        "Friday after 40 years, the harbour council said."
    )
    response = bot.command("/ingest", text, ALLOWED)
    assert response.status_code == 200
    assert "Adding" in response.json()["text"]
    (result,) = bot.fake.wait_for("response_url")
    assert result["text"].startswith("Added #6: *Lighthouse keeper retires*")
    assert "(1 passage)" in result["text"]
    bot.command("/ingest", text, ALLOWED)
    assert bot.fake.wait_for("response_url", 2)[1]["text"] == "Already indexed as #6."


def test_ingest_by_refused_user_is_private_and_stores_nothing(bot: Bot) -> None:
    response = bot.command("/ingest", "Some article text that is long enough to store.", OTHER)
    assert response.status_code == 200
    body = response.json()
    assert body == {"response_type": "ephemeral", "text": REFUSED_INGEST}
    bot.settle()
    assert bot.fake.of("response_url") == []
    assert len(bot.runtime.engine.sources()) == 5


def test_ingest_url_is_fetched_after_the_ack(bot: Bot) -> None:
    page = (
        b"<html><head><title>Ferry | Coast Times</title>"
        b"<meta property='og:site_name' content='Coast Times'></head><body><nav>Home</nav>"
        b"<article><h1>Night ferry returns to the island</h1>"
        b"<p>The night ferry to the island resumed service on Sunday after a two-year pause, "
        b"the operator said.</p><p>Tickets cost 12 euros, and the first crossing was full.</p>"
        b"</article></body></html>"
    )
    bot.fake.pages["ferry"] = ("text/html; charset=utf-8", page)
    response = bot.command("/ingest", f"<{bot.fake.url}/web/ferry?utm_source=x>", ALLOWED)
    assert "Fetching" in response.json()["text"]
    (result,) = bot.fake.wait_for("response_url")
    assert (
        result["text"] == "Added #6: *Night ferry returns to the island* · Coast Times (1 passage)"
    )


def test_file_shared_in_dm_is_ingested(bot: Bot) -> None:
    bot.fake.files["story.txt"] = (
        b"Bridge reopens\n\nThe old bridge reopened to traffic on Monday after repairs."
    )
    file_info = {
        "id": "F1",
        "name": "story.txt",
        "size": 80,
        "url_private_download": f"{bot.fake.url}/files/story.txt",
    }
    bot.event(
        message(
            "",
            ts="1700000700.000100",
            channel="D1",
            channel_type="im",
            user=ALLOWED,
            subtype="file_share",
            files=[file_info],
        )
    )
    (reply,) = bot.fake.wait_for("chat.postMessage")
    assert "Added #6: *Bridge reopens*" in reply["text"]
    (download,) = bot.fake.of("file_download")
    assert download["auth"] == f"Bearer {BOT_TOKEN}"


def test_article_text_is_escaped(bot: Bot) -> None:
    text = (
        "Office party notice\n\nThe memo told <!channel> that pizza & drinks arrive at "
        "the zeppelin hangar on Friday."
    )
    bot.command("/ingest", text, ALLOWED)
    bot.fake.wait_for("response_url")
    bot.event(mention("What arrives at the zeppelin hangar?"))
    (reply,) = bot.fake.wait_for("chat.postMessage")
    rendered = blocks_text(reply)
    assert "&lt;!channel&gt;" in rendered and "&amp;" in rendered
    assert "<!channel>" not in json.dumps(reply["blocks"])


def test_rate_limited_call_is_retried_after_retry_after(bot: Bot) -> None:
    bot.fake.rate_limit["chat.postMessage"] = 1
    bot.event(mention("Where did Putin invite Zelensky for talks?"))
    calls = bot.fake.wait_for("chat.postMessage", 2, timeout=15)
    assert [c["status"] for c in calls] == [429, 200]
    assert calls[1]["at"] - calls[0]["at"] >= 0.9  # Retry-After: 1


def test_sources_and_forget_permissions(bot: Bot) -> None:
    bot.command("/newsbot", "sources", OTHER)
    (listing,) = bot.fake.wait_for("response_url")
    assert "#1" in blocks_text(listing) and "#5" in blocks_text(listing)
    refused = bot.command("/newsbot", "forget 2", ALLOWED)
    assert "only newsbot admins" in refused.json()["text"]
    bot.command("/newsbot", "forget 2", ADMIN)
    forgot = bot.fake.wait_for("response_url", 2)[1]
    assert forgot["text"].startswith("Forgot #2:")
    assert [a.id for a in bot.runtime.engine.sources()] == [1, 3, 4, 5]
    # A refusal reaches the user through the app's one error handler, in plain words.
    bot.command("/newsbot", "forget 99", ADMIN)
    missing = bot.fake.wait_for("response_url", 3)[2]
    assert missing["text"] == "No article #99. Run `newsbot sources` to list them."
    assert missing["response_type"] == "ephemeral"


def test_unexpected_error_tells_the_user_and_logs_the_traceback(
    bot: Bot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(bot.runtime.engine, "answer", broken)
    with caplog.at_level(logging.ERROR):
        bot.event(mention("Where did Putin invite Zelensky for talks?"))
        (reply,) = bot.fake.wait_for("chat.postMessage")
    assert reply["text"] == GENERIC_FAILURE
    assert any("disk on fire" in (r.exc_text or "") or r.exc_info for r in caplog.records)
    assert BOT_TOKEN not in caplog.text


def test_healthz(bot: Bot) -> None:
    response = httpx.get(bot.url + "/healthz", timeout=5)
    assert response.status_code == 200
    assert response.json() == {"ok": True, "articles": 5}


def test_a_dm_follow_up_keeps_the_conversation_topic_when_repeated(bot: Bot) -> None:
    asked = [
        ("Who is Ukraine's foreign minister?", "1700000400.000100"),
        ("and what did he say?", "1700000401.000100"),
        ("and what did he say?", "1700000402.000100"),
    ]
    for n, (text, ts) in enumerate(asked):
        bot.event(message(text, ts=ts, channel="D7", channel_type="im"), event_id=f"EvDm{n}")
        bot.fake.wait_for("chat.postMessage", n + 1)
    replies = bot.fake.of("chat.postMessage")
    first_speakers = [blocks_text(reply).split("— *", 1)[1][:13] for reply in replies]
    assert first_speakers == ["Andrii Sybiha"] * 3, first_speakers


def test_sources_are_paged_with_buttons_and_filtered(bot: Bot, tmp_path) -> None:
    write_corpus(tmp_path / "stories", 40)
    list(bot.runtime.engine.ingest_paths([tmp_path / "stories"]))  # 45 articles in all
    bot.command("/newsbot", "sources", OTHER)
    (first,) = bot.fake.wait_for("response_url")
    assert_within_slack_limits(first)
    assert first["response_type"] == "ephemeral"
    assert blocks_text(first).startswith("*45 articles · page 1 of 3*\n#1 ")
    assert list(buttons(first)) == ["Next"]
    press(bot, buttons(first)["Next"], path="page2")
    second = bot.fake.wait_for("response_url", 2)[1]
    assert second["replace_original"] is True  # the page shown is replaced, not added to
    assert_within_slack_limits(second)
    assert "page 2 of 3" in blocks_text(second) and "\n#16 " in blocks_text(second)
    assert list(buttons(second)) == ["Previous", "Next"]
    press(bot, buttons(second)["Previous"], path="page1")
    again = bot.fake.wait_for("response_url", 3)[2]
    assert again["blocks"] == first["blocks"]
    # A filter reads headlines and outlets, its spacing as typed.
    bot.command("/newsbot", "sources   number  1 ", OTHER)
    found = bot.fake.wait_for("response_url", 4)[3]
    assert blocks_text(found).startswith("*11 articles matching “number 1”*\n#7 Story number 1 ")
    bot.command("/newsbot", "sources zeppelin", OTHER)
    none = bot.fake.wait_for("response_url", 5)[4]
    assert none["text"] == "No articles match “zeppelin”."
