import json

import pytest

from newsbot.bot.chat.paging import SourcesPage
from newsbot.bot.chat.runtime import Home
from newsbot.bot.slack import render
from newsbot.index.models import Answer, Article, Confidence, Corroboration, Disagreement, Quote
from tests.bot.slack.limits import assert_within_slack_limits, texts

ARTICLE = Article(1, "Head <b> & co", "Outlet", "https://example.com/a?x=1", "2025-09-05", "o")


def _quote(text: str, highlights: tuple = ()) -> Quote:
    return Quote(text, 0, len(text), 1.0, ("word",), ARTICLE, highlights)


def _answer(quotes: list[Quote]) -> Answer:
    return Answer("q?", tuple(quotes), Confidence.HIGH, 0.9)


def _all_text(message: dict) -> list[str]:
    texts = []
    for block in message["blocks"]:
        if "text" in block:
            texts.append(block["text"]["text"])
        texts.extend(e["text"] for e in block.get("elements", []) if isinstance(e.get("text"), str))
    return texts


def test_source_line_links_and_escapes() -> None:
    assert render.source_line(ARTICLE) == (
        "<https://example.com/a?x=1|Head &lt;b&gt; &amp; co> · Outlet · 2025-09-05"
    )
    no_url = Article(2, "Plain", None, None, None, None)
    assert render.source_line(no_url) == "Plain"


def test_quote_is_a_block_quote_with_bold_matches() -> None:
    quote = _quote("Troops & <!channel> said\nmore", ((0, 6),))
    (text,) = render.quote_sections(quote)
    assert text == ">*Troops* &amp; &lt;!channel&gt; said\n>more"


def test_long_answers_stay_within_slack_limits() -> None:
    long_quote = _quote(("word & " * 2000).strip(), ((0, 4),))
    many = [_quote(f"Sentence number {i} & more.") for i in range(60)]
    message = render.answer_message(_answer([long_quote, *many]), share_id="kept-id")
    assert_within_slack_limits(message)
    assert message["blocks"][-1]["type"] == "actions"  # the share button survives trimming
    assert "more blocks not shown" in "".join(_all_text(message))
    # The long quote's pieces are all block quotes, and no escape is cut in half.
    pieces = render.quote_sections(long_quote)
    assert len(pieces) > 1
    assert all(p.startswith(">") for p in pieces)
    assert all(not p.rstrip().endswith(("&", "&a", "&am", "&amp")) for p in pieces)


def _hostile_article(n: int) -> Article:
    return Article(
        n, f"Report {n}: A & B <c> " + "long " * 20, "Outlet & Co", f"https://ex.com/{n}", None, "o"
    )


def test_a_9000_character_quote_with_14_corroborating_sources_fits() -> None:
    text = ("Officials & <b>residents</b> said the harbour > river. " * 170)[:9000]
    quote = Quote(
        text,
        0,
        len(text),
        1.0,
        (),
        ARTICLE,
        ((0, 9),),
        speaker="Anna <Berg> & co",
        corroborated_by=tuple(Corroboration(_hostile_article(n), "x", 0, 1) for n in range(2, 16)),
        also_in=tuple(_hostile_article(n) for n in range(20, 26)),
        disagreements=(
            Disagreement(
                "people", tuple((f"{n} & <{n}>", (_hostile_article(n),)) for n in range(9))
            ),
        ),
    )
    question = ("Who said <that> & why? " * 50)[:943]
    answer = Answer(question, (quote, _quote("A second & last quote.")), Confidence.HIGH, 0.9)
    message = render.answer_message(answer, share_id="kept-id", preface="Shared by <@U1>")
    assert_within_slack_limits(message)
    shown = "\n".join(texts(message["blocks"]))
    # The quote is cut (with "…"), never its sources, the second quote or the confidence.
    assert "…" in shown and "Officials" in shown and "A second &amp; last quote." in shown
    assert "Also reported by 14 sources: <https://ex.com/2|Report 2: A &amp; B &lt;c&gt;" in shown
    assert "Confidence: *high* · 2 quotes" in shown
    assert message["blocks"][-1]["type"] == "actions"
    # A question of 943 characters with "<" in it is escaped first, then clipped.
    question_block = message["blocks"][1]["text"]["text"]
    assert question_block.startswith("*Q:* Who said &lt;that&gt; &amp; why?")
    assert len(question_block) <= render.QUESTION_LIMIT + 5


def test_a_long_list_of_links_is_cut_between_links() -> None:
    links = [render.source_line(_hostile_article(n)) for n in range(2, 40)]
    joined = render.joined_within(links, "; ", 1000, lambda n: f"… and {n} more")
    assert len(joined) <= 1000
    shown = [k for k in range(1, len(links)) if joined.startswith("; ".join(links[:k]) + "; ")]
    kept = max(shown)  # whole links, then how many were left out
    assert joined == "; ".join(links[:kept]) + f"; … and {len(links) - kept} more"
    assert render.joined_within(["a", "b"], "; ", 100, str) == "a; b"


@pytest.mark.parametrize(
    ("text", "limit", "clipped"),
    [
        ("a &amp; b", 7, "a …"),  # not "a &am…"
        ("see <https://ex.com/x|story> now", 20, "see …"),  # not half a link
        ("short", 10, "short"),
        ("abcdef", 4, "abc…"),
    ],
)
def test_clip_never_cuts_an_escape_or_a_link(text: str, limit: int, clipped: str) -> None:
    assert render.clip(text, limit) == clipped


def test_one_enormous_word_is_cut() -> None:
    pieces = render.quote_sections(_quote("x" * 7000))
    assert all(len(p) <= render.SECTION_LIMIT for p in pieces)
    assert "".join(p.lstrip(">") for p in pieces) == "x" * 7000


def test_abstention_message() -> None:
    answer = Answer("q?", (), Confidence.NONE, 0.1, (ARTICLE,))
    message = render.answer_message(answer, share_id="kept-id")
    text = "\n".join(_all_text(message))
    assert "could not find an answer" in text and "Closest articles" in text
    assert all(b["type"] != "actions" for b in message["blocks"])  # nothing to share


def test_the_speaker_leads_the_source_line() -> None:
    quote = Quote("We are ready.", 0, 13, 1.0, (), ARTICLE, speaker="Anna <Berg>")
    texts = _all_text(render.answer_message(_answer([quote])))
    assert "— *Anna &lt;Berg&gt;*, in <https://example.com/a?x=1|Head &lt;b&gt; &amp; co>" in (
        "\n".join(texts)
    )


def test_corroboration_and_differing_sources_are_listed() -> None:
    other = Article(2, "Second <story>", "Post", None, None, "o2")
    third = Article(3, "Third", None, None, None, "o3")
    quote = Quote(
        "Two died.",
        0,
        9,
        1.0,
        (),
        ARTICLE,
        corroborated_by=(Corroboration(other, "Two died.", 0, 9),),
        disagreements=(Disagreement("people", (("Two", (ARTICLE, other)), ("Three", (third,)))),),
    )
    text = "\n".join(_all_text(render.answer_message(_answer([quote]))))
    assert "Also reported by 1 source: Second &lt;story&gt; · Post" in text
    assert (
        "Sources differ on people: Two (Head &lt;b&gt; &amp; co, Second &lt;story&gt;) · "
        "Three (Third)" in text
    )


def test_an_answer_from_old_sources_says_how_old() -> None:
    old = Answer("q?", (_quote("Two died."),), Confidence.HIGH, 0.9, stale_days=1200)
    assert "Note: the newest of these sources is 1,200 days old." in _all_text(
        render.answer_message(old)
    )


def _page(articles: list[Article], number: int = 1, pages: int = 1, match: str = "") -> SourcesPage:
    return SourcesPage(articles, number, pages, len(articles) * pages, match)


def test_a_sources_page_has_a_heading_lines_and_buttons() -> None:
    articles = [_hostile_article(n) for n in range(16, 31)]
    message = render.sources_message(_page(articles, number=2, pages=5, match="a & b"))
    assert_within_slack_limits(message)
    heading = message["blocks"][0]["text"]["text"]
    assert heading == "*75 articles matching “a &amp; b” · page 2 of 5*"
    lines = "\n".join(texts(message["blocks"][1:-1])).splitlines()
    assert [line.split()[0] for line in lines] == [f"#{n}" for n in range(16, 31)]
    (previous, following) = message["blocks"][-1]["elements"]
    assert (previous["action_id"], following["action_id"]) == ("sources_previous", "sources_next")
    assert json.loads(previous["value"]) == {"page": 1, "match": "a & b"}
    assert render.page_request(following["value"]) == (3, "a & b")


def test_the_first_and_last_pages_have_one_button_and_an_empty_list_none() -> None:
    first = render.sources_message(_page([ARTICLE], number=1, pages=2))
    assert [e["action_id"] for e in first["blocks"][-1]["elements"]] == ["sources_next"]
    only = render.sources_message(_page([ARTICLE]))
    assert all(b["type"] != "actions" for b in only["blocks"])
    assert render.sources_message(SourcesPage([], 1, 1, 0)) == {"text": "No articles yet."}
    none = render.sources_message(SourcesPage([], 1, 1, 0, "<zeppelin>"))
    assert none == {"text": "No articles match “&lt;zeppelin&gt;”."}


@pytest.mark.parametrize(
    "value",
    ["", "not json", "[1, 2]", '{"page": "2"}', '{"page": true, "match": 5}', "[" * 2000],
)
def test_a_forged_page_button_reads_page_one_of_everything(value: str) -> None:
    assert render.page_request(value) == (1, "")


def test_a_shared_answer_stays_inside_the_limits_with_its_preface() -> None:
    kept = render.answer_message(_answer([_quote(("word & " * 3000).strip())]))
    shared = render.shared_message(kept, "Shared by <@U1> via /ask")
    assert_within_slack_limits(shared)
    assert shared["blocks"][0]["elements"][0]["text"] == "Shared by <@U1> via /ask"


def test_a_source_line_names_its_collections_when_several_are_in_scope() -> None:
    quote = _quote("Two died.")
    several = Answer(
        "q?",
        (quote,),
        Confidence.HIGH,
        0.9,
        scope=("local", "ukraine"),
        collections={ARTICLE.id: ("ukraine", "world")},
    )
    text = "\n".join(_all_text(render.answer_message(several)))
    assert "· 2025-09-05 · _ukraine_" in text  # only the collections in scope
    one = Answer("q?", (quote,), Confidence.HIGH, 0.9, scope=("ukraine",))
    assert "_ukraine_" not in "\n".join(_all_text(render.answer_message(one)))


def test_the_app_home_stays_inside_the_limits_with_long_gaps() -> None:
    from newsbot.index import Gap

    gaps = [
        Gap(
            question=("Who said <this> & that? " * 80)[:1000],
            asked=n + 1,
            marked_wrong=n % 2,
            last_asked="2026-12-05T08:00:00+00:00",
            wordings=("other & <wording>",) * 5,
            closest=tuple(_hostile_article(k) for k in range(3)),
        )
        for n in range(15)
    ]
    home = Home(
        total=2069,
        gaps=gaps,
        collections={f"desk-{n}": n for n in range(200)},
        newest=[_hostile_article(n) for n in range(10)],
    )
    view = render.home_view(admin=True, home=home)
    assert view["type"] == "home"
    assert_within_slack_limits({"text": "home", "blocks": view["blocks"]})
    assert "more blocks not shown" in "\n".join(texts(view["blocks"]))
    visitor = render.home_view(admin=False, home=Home(2069, [], {}, []))
    assert len(visitor["blocks"]) == 1 and "2,069 articles" in texts(visitor["blocks"])[0]
