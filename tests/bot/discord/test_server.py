"""The interactions endpoint over real HTTP: signatures first, then each command,
with what newsbot sent recorded by the fake Discord API."""

from __future__ import annotations

import json
import logging
import threading
import time
from pathlib import Path

import pytest

from newsbot.bot.chat import layout
from newsbot.bot.chat.ingest_queue import IngestQueue
from newsbot.bot.chat.paging import MATCH_LIMIT
from newsbot.bot.chat.replies import QUEUE_FULL, REFUSED_INGEST
from newsbot.bot.chat.runtime import SHARE_EXPIRED
from newsbot.bot.discord import commands, render
from newsbot.bot.discord.interactions import (
    INGEST_USAGE,
    NOTHING_TO_ADD,
    REFUSED_FORGET,
    UNKNOWN,
)
from tests.bot.discord.conftest import (
    ADMIN,
    EDITOR_ROLE,
    INGESTER,
    OTHER,
    DiscordBot,
    interaction,
    option,
    slash,
    start_discord,
)
from tests.bot.discord.fake_discord import APPLICATION_ID, FakeDiscord, sign
from tests.conftest import seeded_engine
from tests.corpora import write_corpus
from tests.index.web_fixture import WebFixture

TROOPS = "How many countries pledged to send troops?"
LIGHTHOUSE = (
    "Lighthouse keepers return to Skerry Point\n\n"
    "The harbour trust said on Tuesday that two keepers will live at the Skerry Point "
    "lighthouse again from April, for the first time since 1987. The trust's chair, "
    "Ailsa Munro, said the keepers would also run a small weather station."
)


# Signatures: checked before anything else.


def test_ping_gets_pong(discord_bot: DiscordBot) -> None:
    response = discord_bot.post({"type": 1, "id": "1", "token": "t"})
    assert response.status_code == 200
    assert response.json() == {"type": 1}


@pytest.mark.parametrize(
    ("headers", "why"),
    [
        ({"X-Signature-Ed25519": "00" * 64}, "wrong signature"),
        ({"X-Signature-Ed25519": "not hex"}, "signature is not hex"),
        ({"X-Signature-Ed25519": "abcd"}, "signature too short"),
        ({"X-Signature-Ed25519": ""}, "signature missing"),
        ({"X-Signature-Timestamp": ""}, "timestamp missing"),
        ({"X-Signature-Timestamp": "yesterday"}, "timestamp not a number"),
    ],
)
def test_bad_or_missing_signatures_get_401_and_do_nothing(
    discord_bot: DiscordBot, headers: dict[str, str], why: str
) -> None:
    payload = slash("ask", [option("question", TROOPS)])
    response = discord_bot.post(payload, headers=headers)
    assert response.status_code == 401, why
    discord_bot.settle()
    assert discord_bot.fake.calls == []


def test_a_stale_signature_is_a_replay(discord_bot: DiscordBot) -> None:
    body = json.dumps({"type": 1}).encode()
    stale = str(int(time.time()) - 3600)
    response = discord_bot.post(body, timestamp=stale, signature=sign(body, stale))
    assert response.status_code == 401


def test_a_body_signed_by_another_key_is_refused(discord_bot: DiscordBot) -> None:
    from nacl.signing import SigningKey

    body = json.dumps({"type": 1}).encode()
    ts = str(int(time.time()))
    response = discord_bot.post(body, signature=sign(body, ts, SigningKey(b"\x07" * 32)))
    assert response.status_code == 401


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'{"type": "ping"}', b"\xff\xfe"])
def test_signed_but_malformed_bodies_get_400(discord_bot: DiscordBot, body: bytes) -> None:
    response = discord_bot.post(body)
    assert response.status_code == 400
    assert discord_bot.fake.calls == []


@pytest.mark.parametrize(
    "body",
    [
        b'{"type": 2, "data": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        b'{"type": 2, "data": "ask"}',
        b'{"type": 2, "data": {"name": "ask", "options": "question"}}',
        b'{"type": 2, "data": {"name": "ask", "options": ["question"]}}',
        b'{"type": 2, "member": "someone", "data": {"name": "ask"}}',
        b'{"type": 2, "member": {"user": "someone"}, "data": {"name": "ask"}}',
        b'{"type": 3, "data": {"custom_id": ["share"]}}',
        b'{"type": 2, "token": 7, "data": {"name": "ingest"}}',
        b'{"type": 2, "data": {"name": "Ask newsbot", "type": 3, "resolved": {"messages": "x"}}}',
        b'{"type": 2, "data": {"name": "ingest", "resolved": {"attachments": {"1": "x"}}}}',
    ],
    ids=[
        "nested-100000",
        "data-is-a-string",
        "options-is-a-string",
        "option-is-a-string",
        "member-is-a-string",
        "member-user-is-a-string",
        "custom-id-is-a-list",
        "token-is-a-number",
        "resolved-messages-is-a-string",
        "resolved-attachment-is-a-string",
    ],
)
def test_signed_interactions_of_the_wrong_shape_get_400_and_one_line(
    discord_bot: DiscordBot, body: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        response = discord_bot.post(body)
    assert response.status_code == 400
    assert not [r for r in caplog.records if r.exc_info]
    assert len([r for r in caplog.records if "malformed" in r.getMessage()]) == 1
    assert discord_bot.fake.calls == []


def test_newsbot_with_two_subcommands_is_one_line(discord_bot: DiscordBot) -> None:
    two = [{"name": "sources", "type": 1}, {"name": "scope", "type": 1}]
    response = discord_bot.post(slash("newsbot", two))
    assert response.status_code == 200
    assert response.json()["data"]["content"] == UNKNOWN


def test_other_paths_and_methods(discord_bot: DiscordBot) -> None:
    import httpx

    assert httpx.get(discord_bot.url + "/discord/interactions").status_code == 405
    assert httpx.get(discord_bot.url + "/nowhere").status_code == 404
    health = httpx.get(discord_bot.url + "/healthz").json()
    assert health == {"ok": True, "articles": 5}


# /ask and the share button.


def test_ask_answers_privately_with_quotes_and_a_share_button(discord_bot: DiscordBot) -> None:
    response = discord_bot.post(slash("ask", [option("question", TROOPS)]))
    assert response.status_code == 200
    body = response.json()
    assert body["type"] == 4
    data = body["data"]
    assert data["flags"] == render.EPHEMERAL
    assert data["allowed_mentions"] == {"parse": []}
    assert data["content"].startswith(f"**Q:** {TROOPS}")
    assert "Confidence: **high**" in data["content"]
    descriptions = "\n".join(e["description"] for e in data["embeds"])
    first = descriptions.split("\n")[0]
    assert first.startswith("> Russian President Vladimir Putin has firmly rejected")
    # The question's words in bold, and "forces" for "troops" (a learned translation).
    assert "26 **countries** **pledged** to provide" in first
    assert "Russian **forces**" in first
    (row,) = data["components"]
    button, up, down = row["components"]
    assert (up["label"], down["label"]) == ("👍", "👎")
    assert button["label"] == "Share in channel"
    assert button["custom_id"].startswith(render.SHARE_PREFIX)
    assert len(button["custom_id"]) <= 100
    discord_bot.settle()
    assert discord_bot.fake.calls == []  # answered in the HTTP response itself


def test_share_posts_the_answer_in_the_channel(discord_bot: DiscordBot) -> None:
    long_question = (
        "How many of Ukraine's allies have formally committed to deploying troops to "
        "Ukraine once a ceasefire is agreed, according to the coalition of the willing?"
    )
    first = discord_bot.post(slash("ask", [option("question", long_question)])).json()
    custom_id = first["data"]["components"][0]["components"][0]["custom_id"]
    assert len(custom_id) <= 100 < len(long_question)  # the answer stayed server-side
    # The articles change before the click: what the user saw is what is shared.
    for article_id in (1, 2, 3, 4, 5):
        discord_bot.runtime.engine.forget(article_id)
    click = interaction(3, {"custom_id": custom_id, "component_type": 2}, user=OTHER)
    shared = discord_bot.post(click).json()
    assert shared["data"]["embeds"] == first["data"]["embeds"]
    assert shared["type"] == 4
    assert "flags" not in shared["data"]  # everyone sees it
    content = shared["data"]["content"]
    assert content.startswith(f"Shared by <@{OTHER}> via /ask\n**Q:** How many of Ukraine")
    assert shared["data"]["allowed_mentions"] == {"parse": []}
    assert shared["data"]["embeds"]


def test_an_unknown_share_is_explained(discord_bot: DiscordBot) -> None:
    click = interaction(3, {"custom_id": "share:nope", "component_type": 2})
    data = discord_bot.post(click).json()["data"]
    assert data["content"] == SHARE_EXPIRED and data["flags"] == render.EPHEMERAL


def test_ask_without_an_answer_says_so_with_the_closest_headlines(
    discord_bot: DiscordBot,
) -> None:
    question = "What is the boiling point of liquid nitrogen on Mars?"
    data = discord_bot.post(slash("ask", [option("question", question)])).json()["data"]
    assert layout.NOT_FOUND in data["content"]
    assert data["embeds"] == [] and "components" not in data


def test_a_slow_answer_is_deferred_then_edited_in(
    discord_env: None, fake_discord: FakeDiscord, db_path: Path
) -> None:
    with seeded_engine(db_path) as engine:
        bot = start_discord(engine, fake_discord, answer_deadline=0.2)
        try:
            hold = threading.Event()

            # Another thread's write holds the library's lock for a while.
            def hold_the_library() -> None:
                with engine.library.lock:
                    hold.wait(5)

            writer = threading.Thread(target=hold_the_library)
            writer.start()
            time.sleep(0.05)
            started = time.monotonic()
            payload = slash("ask", [option("question", TROOPS)])
            response = bot.post(payload)
            assert time.monotonic() - started < 3  # Discord's limit for the first response
            assert response.json() == {"type": 5, "data": {"flags": render.EPHEMERAL}}
            hold.set()
            writer.join()
            (edit,) = fake_discord.wait_for("edit_original")
            assert (
                edit["path"] == f"/webhooks/{APPLICATION_ID}/{payload['token']}/messages/@original"
            )
            assert edit["auth"] is None  # the interaction token authorises it, not the bot's
            assert edit["json"]["content"].startswith(f"**Q:** {TROOPS}")
            assert edit["json"]["allowed_mentions"] == {"parse": []}
        finally:
            bot.stop()


# /ingest and "Add to newsbot".


def test_ingest_a_url_defers_then_edits_in_the_outcome(
    discord_bot: DiscordBot, web: WebFixture
) -> None:
    payload = slash("ingest", [option("url", f"{web.base}/article/ferry")], user=INGESTER)
    assert discord_bot.post(payload).json() == {"type": 5, "data": {"flags": 64}}
    (edit,) = discord_bot.fake.wait_for("edit_original")
    assert edit["json"]["content"].startswith("Added #6: **Night ferry returns to Eilean Mor**")
    again = slash("ingest", [option("url", f"{web.base}/article/ferry")], user=INGESTER)
    discord_bot.post(again)
    edits = discord_bot.fake.wait_for("edit_original", 2)
    assert edits[1]["json"]["content"] == "Already indexed as #6."


def test_ingest_pasted_text_by_role(discord_bot: DiscordBot) -> None:
    payload = slash("ingest", [option("text", LIGHTHOUSE)], user=OTHER, roles=[EDITOR_ROLE])
    discord_bot.post(payload)
    (edit,) = discord_bot.fake.wait_for("edit_original")
    assert edit["json"]["content"] == (
        "Added #6: **Lighthouse keepers return to Skerry Point** (1 passage)"
    )
    asked = discord_bot.post(slash("ask", [option("question", "Who chairs the harbour trust?")]))
    assert "Ailsa Munro" in json.dumps(asked.json())


def test_ingest_files_into_collections(discord_bot: DiscordBot) -> None:
    text = [option("text", LIGHTHOUSE), option("collection", "Local, coast")]
    discord_bot.post(slash("ingest", text, user=INGESTER))
    (edit,) = discord_bot.fake.wait_for("edit_original")
    assert edit["json"]["content"].startswith("Added #6: ")
    assert discord_bot.runtime.engine.collections() == {"coast": 1, "local": 1}
    bad = [option("text", LIGHTHOUSE), option("collection", "no good!")]
    refused = discord_bot.post(slash("ingest", bad, user=INGESTER)).json()["data"]["content"]
    assert "is not a collection name" in refused


def test_ingest_an_attachment(discord_bot: DiscordBot) -> None:
    discord_bot.fake.attachments["keepers.md"] = LIGHTHOUSE.encode()
    attachment = {
        "id": "55",
        "filename": "keepers.md",
        "size": len(LIGHTHOUSE),
        "url": f"{discord_bot.fake.url}/attachments/keepers.md",
        "content_type": "text/markdown",
    }
    payload = slash(
        "ingest",
        [option("file", "55", kind=11)],
        user=INGESTER,
        resolved={"attachments": {"55": attachment}},
    )
    discord_bot.post(payload)
    (edit,) = discord_bot.fake.wait_for("edit_original")
    assert edit["json"]["content"].startswith("Added #6: **Lighthouse keepers return")
    (download,) = discord_bot.fake.of("attachment")
    assert download["auth"] is None  # no token goes to a file host


def test_ingest_refuses_attachments_from_elsewhere_and_unreadable_kinds(
    discord_bot: DiscordBot, web: WebFixture
) -> None:
    elsewhere = {"id": "1", "filename": "a.txt", "size": 10, "url": f"{web.base}/plain.txt"}
    pdf = {"id": "2", "filename": "a.pdf", "size": 10, "url": "https://cdn.discordapp.com/a.pdf"}
    for attachment in (elsewhere, pdf):
        payload = slash(
            "ingest",
            [option("file", attachment["id"], kind=11)],
            user=INGESTER,
            resolved={"attachments": {attachment["id"]: attachment}},
        )
        discord_bot.post(payload)
    edits = discord_bot.fake.wait_for("edit_original", 2)
    texts = sorted(e["json"]["content"] for e in edits)
    assert texts == [
        "Could not add discord-file:a.pdf: only plain text, Markdown and HTML files can be added.",
        "Could not add discord-file:a.txt: the attachment's link is not a Discord file link.",
    ]


@pytest.mark.parametrize(
    ("options", "user", "expected"),
    [
        ([option("text", LIGHTHOUSE)], OTHER, REFUSED_INGEST),
        ([], INGESTER, INGEST_USAGE),
        ([option("text", "a"), option("url", "https://x.example/")], INGESTER, INGEST_USAGE),
    ],
)
def test_ingest_refusals_and_usage_are_immediate(
    discord_bot: DiscordBot, options: list[dict[str, str]], user: str, expected: str
) -> None:
    data = discord_bot.post(slash("ingest", options, user=user)).json()["data"]
    assert data["content"] == expected and data["flags"] == render.EPHEMERAL
    discord_bot.settle()
    assert discord_bot.fake.calls == []
    assert discord_bot.runtime.engine.count_articles() == 5


def test_ingest_when_the_queue_is_full(discord_bot: DiscordBot) -> None:
    discord_bot.runtime.ingest_queue.shutdown()
    discord_bot.runtime.ingest_queue = IngestQueue(max_waiting=1)
    gate = threading.Event()
    assert discord_bot.runtime.ingest_queue.submit("someone", gate.wait, lambda e: None)
    discord_bot.post(slash("ingest", [option("text", LIGHTHOUSE)], user=INGESTER))
    (edit,) = discord_bot.fake.wait_for("edit_original")
    assert edit["json"]["content"] == QUEUE_FULL
    gate.set()


def test_message_commands(discord_bot: DiscordBot, web: WebFixture) -> None:
    target = {"id": "42", "content": TROOPS, "attachments": [], "author": {"id": OTHER}}
    data = {
        "name": commands.ASK_MESSAGE,
        "type": 3,
        "target_id": "42",
        "resolved": {"messages": {"42": target}},
    }
    asked = discord_bot.post(interaction(2, data)).json()["data"]
    assert asked["content"].startswith(f"**Q:** {TROOPS}") and asked["embeds"]

    linked = {"id": "43", "content": f"worth a read {web.base}/wire/a today", "attachments": []}
    add = {
        "name": commands.ADD_MESSAGE,
        "type": 3,
        "target_id": "43",
        "resolved": {"messages": {"43": linked}},
    }
    assert discord_bot.post(interaction(2, add, user=INGESTER)).json()["type"] == 5
    (edit,) = discord_bot.fake.wait_for("edit_original")
    assert edit["json"]["content"].startswith("Added #6: **Rail tunnel to open in March**")

    empty = {**add, "target_id": "44", "resolved": {"messages": {"44": {"content": "nice"}}}}
    refused = discord_bot.post(interaction(2, empty, user=INGESTER)).json()["data"]
    assert refused["content"] == NOTHING_TO_ADD


# /newsbot sources, /newsbot-admin forget


def test_only_the_admin_command_is_hidden_from_members_by_default() -> None:
    from newsbot.bot.discord.commands import COMMANDS

    hidden = {c["name"]: c.get("default_member_permissions") for c in COMMANDS}
    assert hidden["newsbot-admin"] == "32"  # Manage Server
    assert {name for name, bits in hidden.items() if bits is not None} == {"newsbot-admin"}
    admin = next(c for c in COMMANDS if c["name"] == "newsbot-admin")["options"]
    assert [sub["name"] for sub in admin] == ["forget", "scope", "gaps", "answer"]


def test_sources_and_forget(discord_bot: DiscordBot) -> None:
    sources = discord_bot.post(slash("newsbot", [{"name": "sources", "type": 1}])).json()
    (embed,) = sources["data"]["embeds"]
    assert embed["title"] == "5 articles"
    assert embed["description"].startswith("#1 ")
    forget = {"name": "forget", "type": 1, "options": [option("id", 2, kind=4)]}
    refused = discord_bot.post(slash("newsbot-admin", [forget], user=OTHER)).json()["data"]
    assert refused["content"] == REFUSED_FORGET
    assert discord_bot.runtime.engine.count_articles() == 5
    done = discord_bot.post(slash("newsbot-admin", [forget], user=ADMIN)).json()["data"]
    assert done["content"].startswith("Forgot #2: ")
    assert discord_bot.runtime.engine.count_articles() == 4
    missing = discord_bot.post(slash("newsbot-admin", [forget], user=ADMIN)).json()["data"]
    # The engine's own reason, its markdown escaped.
    assert missing["content"] == "No article \\#2. Run \\`newsbot sources\\` to list them."


def test_an_unknown_command_is_answered_not_crashed(discord_bot: DiscordBot) -> None:
    data = discord_bot.post(slash("weather")).json()["data"]
    assert "does not know that command" in data["content"]


def test_a_bug_is_an_apology_and_a_logged_traceback(
    discord_bot: DiscordBot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(discord_bot.runtime.engine, "sources", broken)
    data = discord_bot.post(slash("newsbot", [{"name": "sources", "type": 1}])).json()["data"]
    assert data["content"] == "Sorry, something went wrong on my side. It has been logged."
    assert any(r.exc_info and "disk on fire" in str(r.exc_info[1]) for r in caplog.records)


def test_an_outcome_that_cannot_be_edited_in_is_logged_not_lost(
    discord_bot: DiscordBot, caplog: pytest.LogCaptureFixture
) -> None:
    discord_bot.fake.rate_limit["edit_original"] = 10  # past every retry
    discord_bot.post(slash("ingest", [option("text", LIGHTHOUSE)], user=INGESTER))
    discord_bot.settle()
    assert discord_bot.runtime.engine.count_articles() == 6  # the article is in
    assert len(discord_bot.fake.of("edit_original")) == 4  # tried, then retried 3 times
    assert any("could not edit the ingest outcome in" in r.getMessage() for r in caplog.records)


def _click(discord_bot: DiscordBot, custom_id: str) -> dict:
    click = interaction(3, {"custom_id": custom_id, "component_type": 2}, user=OTHER)
    return discord_bot.post(click).json()


def _page_buttons(data: dict) -> dict[str, str]:
    return {
        b["label"]: b["custom_id"] for row in data.get("components", []) for b in row["components"]
    }


def test_sources_are_paged_with_buttons_and_filtered(
    discord_bot: DiscordBot, tmp_path: Path
) -> None:
    write_corpus(tmp_path / "stories", 40)
    list(discord_bot.runtime.engine.ingest_paths([tmp_path / "stories"]))  # 45 in all
    first = discord_bot.post(slash("newsbot", [{"name": "sources", "type": 1}])).json()
    assert first["type"] == 4 and first["data"]["flags"] == render.EPHEMERAL
    (embed,) = first["data"]["embeds"]
    assert embed["title"] == "45 articles · page 1 of 3"
    assert embed["description"].startswith("#1 ") and len(embed["description"].splitlines()) == 15
    assert _page_buttons(first["data"]) == {"Next": "sources:2:"}
    second = _click(discord_bot, "sources:2:")
    assert second["type"] == 7  # UPDATE_MESSAGE: the page shown is replaced
    assert "flags" not in second["data"]
    assert second["data"]["embeds"][0]["description"].startswith("#16 ")
    assert _page_buttons(second["data"]) == {"Previous": "sources:1:", "Next": "sources:3:"}
    third = _click(discord_bot, _page_buttons(second["data"])["Next"])
    assert third["data"]["embeds"][0]["description"].splitlines()[-1].startswith("#45 ")
    assert _page_buttons(third["data"]) == {"Previous": "sources:2:"}
    # The filter, as an option of the subcommand; its buttons carry it.
    sub = {"name": "sources", "type": 1, "options": [option("match", "  number   1 ")]}
    found = discord_bot.post(slash("newsbot", [sub])).json()["data"]
    assert found["embeds"][0]["title"] == "11 articles matching “number 1”"
    sub = {"name": "sources", "type": 1, "options": [option("match", "harbour")]}
    harbour = discord_bot.post(slash("newsbot", [sub])).json()["data"]
    assert _page_buttons(harbour) == {"Next": "sources:2:harbour"}
    page = _click(discord_bot, "sources:2:harbour")["data"]["embeds"][0]
    assert page["title"] == "40 articles matching “harbour” · page 2 of 3"
    # A forged button reads page one of everything; one past the end, the last page.
    assert _click(discord_bot, "sources:x")["data"]["embeds"][0]["title"].endswith("page 1 of 3")
    assert _click(discord_bot, "sources:99:")["data"]["embeds"][0]["title"].endswith("page 3 of 3")


def test_the_sources_filter_is_registered_as_an_option() -> None:
    newsbot = next(c for c in commands.COMMANDS if c["name"] == "newsbot")
    sources, scope = newsbot["options"]
    assert scope["name"] == "scope" and "options" not in scope  # anyone may see it
    (match,) = sources["options"]
    assert (match["name"], match["type"], match["max_length"]) == ("match", 3, MATCH_LIMIT)
    assert not match.get("required")
