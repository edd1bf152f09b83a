"""The Discord renderer against every limit, with hostile article text."""

from __future__ import annotations

import re
from typing import Any

import pytest

from newsbot.bot.chat.paging import SourcesPage
from newsbot.bot.discord import render
from newsbot.index import Answer, Article, IngestOutcome, Quote, Status
from newsbot.index.models import Confidence, Corroboration, Disagreement


def article(article_id: int, headline: str = "Ferry returns", **kwargs: Any) -> Article:
    fields: dict[str, Any] = {
        "id": article_id,
        "headline": headline,
        "outlet": "Island Times",
        "url": f"https://news.example/{article_id}",
        "published": "2026-11-20",
        "origin": f"https://news.example/{article_id}",
    }
    fields.update(kwargs)
    return Article(**fields)


def quote(text: str, source: Article, highlights: tuple[tuple[int, int], ...] = ()) -> Quote:
    return Quote(
        text=text,
        start=0,
        end=len(text),
        score=1.0,
        matched_terms=(),
        article=source,
        highlights=highlights,
    )


def answer(*quotes: Quote, question: str = "What happened?") -> Answer:
    return Answer(question, quotes, Confidence.HIGH, 0.9)


def within_limits(message: dict[str, Any]) -> None:
    """Discord's documented limits for one message."""
    assert len(message["content"]) <= 2000
    assert message["allowed_mentions"] == {"parse": []}
    embeds = message.get("embeds", [])
    assert len(embeds) <= 10
    total = 0
    for embed in embeds:
        assert len(embed.get("title", "")) <= 256
        assert len(embed.get("description", "")) <= 4096
        assert len(embed.get("fields", [])) <= 25
        for field in embed.get("fields", []):
            assert len(field["name"]) <= 256 and len(field["value"]) <= 1024
        footer = embed.get("footer", {}).get("text", "")
        assert len(footer) <= 2048
        total += len(embed.get("title", "")) + len(embed.get("description", "")) + len(footer)
        total += sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))
    assert total <= 6000
    urls = [e["url"] for e in embeds if "url" in e]
    assert len(urls) == len(set(urls))  # Discord shows only the first embed of a URL
    for row in message.get("components", []):
        assert len(row["components"]) <= 5
        assert all(len(c["custom_id"]) <= 100 and len(c["label"]) <= 80 for c in row["components"])
    assert render.limit_violations(message) == []  # the renderer's own check agrees


HOSTILE = (
    "@everyone @here <@123456789012345678> <@&987654321098765432> <#111111111111111111> "
    "**bold** __under__ ~~strike~~ ||spoiler|| `code` ```block``` [link](https://evil.example) "
    "# heading\n- item\n1. first\n> quoted <:emoji:123456789012345678>"
)


def test_hostile_text_renders_as_the_characters_it_is() -> None:
    source = article(1, headline=HOSTILE)
    message = render.answer_message(answer(quote(HOSTILE, source)), preface=None)
    within_limits(message)
    (embed,) = message["embeds"]
    description = embed["description"]
    for raw in ("@everyone", "<@123", "*bold*", "|spoiler|", "`code", "[link", "\n> - item"):
        assert not re.search(r"(?<!\\)" + re.escape(raw), description), raw
    assert "\\@everyone" in description and "\\<\\@123456789012345678\\>" in description
    assert "\\*\\*bold\\*\\*" in description and "\n> 1\\. first" in description
    assert "\n> \\- item" in description
    # Every character of the quote is still there once the escapes are dropped.
    unescaped = description.replace("\n> ", "\n").removeprefix("> ").replace("\\", "")
    assert unescaped == HOSTILE.replace("\\", "")


def test_matched_words_are_bold_and_the_rest_escaped() -> None:
    text = "The *ferry* returns on Monday."
    message = render.answer_message(answer(quote(text, article(1), ((4, 11), (23, 29)))))
    assert message["embeds"][0]["description"] == "> The **\\*ferry\\*** returns on **Monday**."


def test_a_ten_thousand_character_sentence_is_cut_between_escapes() -> None:
    word = "a_b*" * 2500  # one enormous "word", full of characters to escape
    message = render.answer_message(answer(quote(word, article(1))))
    within_limits(message)
    description = message["embeds"][0]["description"]
    assert description.endswith("…")
    body = description.removesuffix("…")
    trailing = len(body) - len(body.rstrip("\\"))
    assert trailing % 2 == 0  # no half escape before the ellipsis


def test_many_long_quotes_from_many_articles_fit_every_limit() -> None:
    long = "Word " * 3000
    quotes = [
        quote(long, article(i, headline="H" * 400, outlet="O" * 3000, url=f"https://x.example/{i}"))
        for i in range(1, 15)
    ]
    message = render.answer_message(answer(*quotes, question="Q" * 5000), share_id="s" * 20)
    within_limits(message)
    assert len(message["embeds"]) == 10
    assert "4 more articles not shown" in message["content"]
    assert message["components"][0]["components"][0]["custom_id"] == "share:" + "s" * 20


def test_quotes_from_one_article_share_its_embed() -> None:
    source, other = article(1), article(2)
    message = render.answer_message(
        answer(quote("First.", source), quote("Second.", other), quote("Third.", source))
    )
    within_limits(message)
    assert [e["url"] for e in message["embeds"]] == [source.url, other.url]
    assert message["embeds"][0]["description"] == "> First.\n\n> Third."
    assert message["embeds"][0]["footer"] == {"text": "Island Times · 2026-11-20"}


def test_also_in_is_a_field_with_links() -> None:
    copy = article(3, headline="Ferry back [wire]")
    q = Quote("Same.", 0, 5, 1.0, (), article(1), also_in=(copy,))
    (embed,) = render.answer_message(answer(q))["embeds"]
    assert embed["fields"] == [
        {
            "name": "Also in",
            "value": (
                "[Ferry back \\[wire\\]](<https://news.example/3>) · Island Times · 2026-11-20"
            ),
            "inline": False,
        }
    ]


def test_an_abstention_lists_the_closest_headlines() -> None:
    closest = (article(4, headline="Tide tables change", url=None), article(5))
    message = render.answer_message(
        Answer("Who won?", (), Confidence.NONE, 0.1, closest=closest), ephemeral=True
    )
    within_limits(message)
    assert message["flags"] == render.EPHEMERAL
    assert message["content"] == (
        "**Q:** Who won?\n"
        "I could not find an answer to that in my articles.\n"
        "Closest articles:\n"
        "• Tide tables change · Island Times · 2026-11-20\n"
        "• [Ferry returns](<https://news.example/5>) · Island Times · 2026-11-20"
    )
    assert message["embeds"] == []


def test_a_share_id_longer_than_a_custom_id_is_a_bug() -> None:
    with pytest.raises(ValueError, match="100"):
        render.answer_message(answer(quote("x", article(1))), share_id="s" * 100)


@pytest.mark.parametrize(
    ("outcome", "text"),
    [
        (
            IngestOutcome(
                "u",
                Status.ADDED,
                article_id=6,
                headline="A *big* day",
                outlet="BBC",
                passage_count=3,
            ),
            "Added #6: **A \\*big\\* day** · BBC (3 passages)",
        ),
        (IngestOutcome("u", Status.DUPLICATE, article_id=2), "Already indexed as #2."),
        (
            IngestOutcome("paste", Status.NEAR_DUPLICATE, article_id=2, similarity=0.93),
            "Not added: paste is a near-duplicate of #2 (93% the same text).",
        ),
        (
            IngestOutcome("https://x.example/@everyone", Status.FAILED, reason="HTTP 404."),
            "Could not add https://x.example/\\@everyone: HTTP 404.",
        ),
    ],
)
def test_outcomes(outcome: IngestOutcome, text: str) -> None:
    assert render.outcome_text(outcome) == text


def _page(articles: list[Article], number: int = 1, pages: int = 1, match: str = "") -> SourcesPage:
    return SourcesPage(articles, number, pages, len(articles) * pages, match)


def test_a_sources_page_is_one_embed_with_buttons() -> None:
    articles = [article(i, headline="Long *headline* " * 10) for i in range(16, 31)]
    message = render.sources_message(_page(articles, number=2, pages=9, match="ferry"))
    within_limits(message)
    assert message["flags"] == render.EPHEMERAL
    (embed,) = message["embeds"]
    assert embed["title"] == "135 articles matching “ferry” · page 2 of 9"
    lines = embed["description"].splitlines()
    assert [line.split()[0] for line in lines] == [f"#{n}" for n in range(16, 31)]
    assert lines[0].startswith("#16 [Long \\*headline\\* ")
    (row,) = message["components"]
    assert [(b["label"], b["custom_id"]) for b in row["components"]] == [
        ("Previous", "sources:1:ferry"),
        ("Next", "sources:3:ferry"),
    ]
    assert render.page_request("sources:3:ferry") == (3, "ferry")


def test_sources_lines_too_long_to_link_are_clipped_unlinked() -> None:
    long_url = "https://news.example/" + "a" * 390
    articles = [article(i, headline="H" * 300, outlet="O" * 300, url=long_url) for i in range(15)]
    message = render.sources_message(_page(articles, pages=3))
    within_limits(message)
    lines = message["embeds"][0]["description"].splitlines()
    assert len(lines) == 15 and all("](<" not in line and line.endswith("…") for line in lines)


def test_no_sources_is_one_line() -> None:
    assert render.sources_message(SourcesPage([], 1, 1, 0))["content"] == "No articles yet."
    nothing = render.sources_message(SourcesPage([], 1, 1, 0, "*zeppelin*"))
    assert nothing["content"] == "No articles match “\\*zeppelin\\*”."


@pytest.mark.parametrize(
    "custom_id", ["sources:", "sources:x:y", "sources:-1:", "sources:99999999999:"]
)
def test_a_malformed_page_button_reads_page_one(custom_id: str) -> None:
    assert render.page_request(custom_id)[0] == 1


def test_a_9000_character_quote_with_14_corroborating_sources_fits() -> None:
    text = ("Officials *said* the harbour > river, @everyone. " * 200)[:9000]
    reporters = tuple(
        Corroboration(article(n, headline=f"Report {n}: A & B <c>"), "x", 0, 1)
        for n in range(2, 16)
    )
    q = Quote(text, 0, len(text), 1.0, (), article(1), corroborated_by=reporters, speaker="Anna")
    message = render.answer_message(answer(q, question="Who <said> it? " * 60), share_id="kept")
    within_limits(message)
    (embed,) = message["embeds"]
    assert embed["description"].startswith("> Officials \\*said\\* the harbour \\> river")
    assert "…" in embed["description"]
    (field,) = embed["fields"]
    assert field["name"] == "Also reported by 14 sources"
    assert field["value"].startswith("[Report 2: A & B \\<c\\>](<https://news.example/2>)")


def test_every_documented_limit_is_checked_in_one_place() -> None:
    over = {
        "content": "x" * 2001,
        "embeds": [
            {
                "title": "t" * 257,
                "description": "d" * 4097,
                "footer": {"text": "f" * 2049},
                "fields": [{"name": "n" * 257, "value": "v" * 1025}] * 26,
            }
        ]
        * 11,
        "components": [{"type": 1, "components": [{"label": "l" * 81, "custom_id": "c" * 101}] * 6}]
        * 6,
    }
    found = "\n".join(render.limit_violations(over))
    for what in (
        "content has 2,001",
        "11 embeds",
        "embed 1's title",
        "embed 1's description",
        "embed 1's footer",
        "embed 1 has 26 fields",
        "field name",
        "field value",
        "the embeds have",
        "6 rows",
        "a row of 6",
        "label",
        "custom_id",
    ):
        assert what in found, what
    with pytest.raises(ValueError, match="over its limits: 11 embeds"):
        render.message("fine", embeds=[{"title": "t"}] * 11)


def test_the_speaker_follows_the_quote() -> None:
    spoken = Quote("We are ready.", 0, 13, 1.0, (), article(1), speaker="Anna @Berg")
    (embed,) = render.answer_message(answer(spoken))["embeds"]
    assert embed["description"] == "> We are ready.\n— **Anna \\@Berg**"


def test_corroboration_and_differing_sources_are_fields() -> None:
    other, third = article(2, headline="Second"), article(3, headline="Third @here")
    q = Quote(
        "Two died.",
        0,
        9,
        1.0,
        (),
        article(1),
        corroborated_by=(Corroboration(other, "Two died.", 0, 9),),
        disagreements=(
            Disagreement("people", (("Two", (article(1), other)), ("Three", (third,)))),
        ),
    )
    message = render.answer_message(answer(q))
    within_limits(message)
    (embed,) = message["embeds"]
    assert [f["name"] for f in embed["fields"]] == [
        "Also reported by 1 source",
        "Sources differ on people",
    ]
    assert embed["fields"][1]["value"] == "Two (Ferry returns, Second) · Three (Third \\@here)"


def test_an_answer_from_old_sources_says_how_old() -> None:
    old = Answer("q?", (quote("Two died.", article(1)),), Confidence.HIGH, 0.9, stale_days=400)
    content = render.answer_message(old)["content"]
    assert content.endswith("Note: the newest of these sources is 400 days old.")


def test_an_embed_names_its_collections_when_several_are_in_scope() -> None:
    source = article(1)
    several = Answer(
        "q?",
        (quote("Two died.", source),),
        Confidence.HIGH,
        0.9,
        scope=("local", "ukraine"),
        collections={1: ("ukraine", "world")},
    )
    (embed,) = render.answer_message(several)["embeds"]
    assert embed["footer"] == {"text": "Island Times · 2026-11-20 · ukraine"}


def test_a_shared_answer_clips_a_long_question() -> None:
    question = "Сколько стран пообещали отправить войска? " * 24  # 1,008 characters
    said = quote("Twenty-six countries pledged troops.", article(1))
    shown = render.answer_message(Answer(question[:1000], (said,), Confidence.HIGH, 0.9))
    shared = render.shared_message(shown, "Shared by <@1> via /ask")
    first, asked, *rest = shared["content"].split("\n")
    assert first == "Shared by <@1> via /ask"
    assert asked.startswith("**Q:** Сколько стран") and asked.endswith("…")
    assert len(asked) <= len("**Q:** ") + render.SHARED_QUESTION_LIMIT
    assert rest == shown["content"].split("\n")[1:]
    assert shared["embeds"] == shown["embeds"]
