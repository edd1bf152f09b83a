"""Message shortcuts: "Ask newsbot about this" (a modal, then a private answer with
Share) and "Add to newsbot", through the fake Web API."""

from __future__ import annotations

import json
from typing import Any

from newsbot.bot.chat.replies import REFUSED_INGEST
from newsbot.bot.slack import render
from tests.bot.slack.conftest import ALLOWED, OTHER, Bot, blocks_text, buttons

QUESTION = "How many countries pledged to send troops?"


def _shortcut(callback_id: str, text: str, user: str = OTHER) -> dict[str, Any]:
    return {
        "type": "message_action",
        "callback_id": callback_id,
        "trigger_id": "trig-1",
        "user": {"id": user},
        "team": {"id": "T1"},
        "channel": {"id": "C1"},
        "message": {"type": "message", "text": text, "ts": "1700000500.000100"},
        "message_ts": "1700000500.000100",
        "response_url": "http://127.0.0.1:9/unused",
    }


def _submit(bot: Bot, view: dict[str, Any], question: str) -> Any:
    submitted = {
        "id": "V1",
        "type": "modal",
        "callback_id": view["callback_id"],
        "private_metadata": view["private_metadata"],
        "state": {
            "values": {"question": {"question": {"type": "plain_text_input", "value": question}}}
        },
    }
    payload = {
        "type": "view_submission",
        "user": {"id": OTHER},
        "team": {"id": "T1"},
        "view": submitted,
    }
    return bot.action(payload)


def test_ask_about_this_opens_a_prefilled_modal_then_answers_privately(bot: Bot) -> None:
    bot.action(_shortcut("ask_about_message", f"&lt;team&gt; {QUESTION} <https://x.example|link>"))
    (opened,) = bot.fake.wait_for("views.open")
    view = opened["view"] if isinstance(opened["view"], dict) else json.loads(opened["view"])
    assert view["type"] == "modal" and view["callback_id"] == render.ASK_MODAL
    element = view["blocks"][0]["element"]
    assert element["initial_value"] == f"<team> {QUESTION} https://x.example"  # editable
    assert element["max_length"] == 1000
    response = _submit(bot, view, QUESTION)
    assert response.status_code == 200
    (answer,) = bot.fake.wait_for("chat.postEphemeral")
    assert (answer["channel"], answer["user"]) == ("C1", OTHER)
    blocks = (
        answer["blocks"] if isinstance(answer["blocks"], list) else json.loads(answer["blocks"])
    )
    assert "26" in blocks_text({"blocks": blocks})
    assert list(buttons({"blocks": blocks})) == ["Share in channel", "👍", "👎"]


def test_where_newsbot_may_not_post_the_answer_goes_to_a_dm(bot: Bot) -> None:
    bot.fake.api_errors["chat.postEphemeral"] = "not_in_channel"
    bot.action(_shortcut("ask_about_message", QUESTION))
    (opened,) = bot.fake.wait_for("views.open")
    view = opened["view"] if isinstance(opened["view"], dict) else json.loads(opened["view"])
    _submit(bot, view, QUESTION)
    (dm,) = bot.fake.wait_for("chat.postMessage")
    assert dm["channel"] == OTHER and "26" in json.dumps(dm["blocks"])


def test_an_empty_question_keeps_the_modal_open_with_an_error(bot: Bot) -> None:
    bot.action(_shortcut("ask_about_message", ""))
    (opened,) = bot.fake.wait_for("views.open")
    view = opened["view"] if isinstance(opened["view"], dict) else json.loads(opened["view"])
    response = _submit(bot, view, "   ")
    assert response.json() == {
        "response_action": "errors",
        "errors": {"question": "Type a question."},
    }


def test_add_to_newsbot_adds_the_linked_article_for_allowed_users(bot: Bot) -> None:
    page = (
        "<html><head><title>Ferry returns</title></head><body><article><h1>Ferry returns</h1>"
        "<p>The island ferry returned to service on Monday after three weeks of repairs, "
        "the harbour council said in a statement to residents.</p></article></body></html>"
    )
    bot.fake.pages["ferry.html"] = ("text/html", page.encode())
    link = f"<{bot.fake.url}/web/ferry.html|the ferry story>"
    bot.action(_shortcut("add_to_newsbot", f"read this {link}", user=OTHER))
    (refused,) = bot.fake.wait_for("chat.postEphemeral")
    assert refused["text"] == REFUSED_INGEST
    bot.action(_shortcut("add_to_newsbot", f"read this {link}", user=ALLOWED))
    told = bot.fake.wait_for("chat.postEphemeral", 3)
    assert told[1]["text"].startswith("Fetching http://127.0.0.1")
    assert told[2]["text"].startswith("Added #6: *Ferry returns*")
    bot.action(_shortcut("add_to_newsbot", "no link here", user=ALLOWED))
    assert bot.fake.wait_for("chat.postEphemeral", 4)[3]["text"].startswith(
        "That message has no link"
    )


def test_a_message_longer_than_a_question_is_cut_and_the_modal_says_so(bot: Bot) -> None:
    long_message = ("Troops, pledges and talks in Paris. " * 80).strip()  # 2,879 characters
    bot.action(_shortcut("ask_about_message", long_message))
    (opened,) = bot.fake.wait_for("views.open")
    view = opened["view"] if isinstance(opened["view"], dict) else json.loads(opened["view"])
    (block,) = view["blocks"]
    assert len(block["element"]["initial_value"]) == 1000
    assert block["hint"]["text"] == (
        "The message is 2,879 characters long; a question holds 1,000, so only its "
        "beginning is here. Edit it to what you ask."
    )


def test_a_message_that_fits_gets_no_hint() -> None:
    view = render.ask_modal(QUESTION, "{}")
    assert "hint" not in view["blocks"][0]
