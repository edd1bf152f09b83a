from newsbot.bot.slack import render
from newsbot.index.models import Answer, Article, Confidence, Corroboration, Disagreement, Quote

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
    assert len(message["blocks"]) <= render.BLOCK_LIMIT
    assert message["blocks"][-1]["type"] == "actions"  # the share button survives trimming
    for text in _all_text(message):
        assert len(text) <= render.SECTION_LIMIT
    assert "more blocks not shown" in "".join(_all_text(message))
    assert message["text"] and len(message["text"]) <= render.FALLBACK_LIMIT
    # The long quote's pieces are all block quotes, and no escape is cut in half.
    pieces = render.quote_sections(long_quote)
    assert len(pieces) > 1
    assert all(p.startswith(">") for p in pieces)
    assert all(not p.rstrip().endswith(("&", "&a", "&am", "&amp")) for p in pieces)


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
