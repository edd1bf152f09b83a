from newsbot.index.ingest.clean import clean_article, split_paragraphs


def test_edge_labels_and_social_prompts_go() -> None:
    raw = (
        "Menu\nSearch\nSkip to content\n\n"
        "Council approves new budget for city buses\n\n"
        "The council voted on Tuesday to approve the budget. It adds 26 buses.\n\n"
        "Follow us on Instagram!\nShare this article\nAdvertisement\n"
        "Copyright 2024 Example Gazette. All rights reserved.\nBack to top\n"
    )
    cleaned = clean_article(raw)
    assert cleaned.headline == "Council approves new budget for city buses"
    assert cleaned.text == "The council voted on Tuesday to approve the budget. It adds 26 buses."
    assert cleaned.outlet_hint == "Example Gazette"


def test_form_notes_and_read_also_links_go() -> None:
    raw = (
        "Officials confirmed the plan on Monday and said it would start soon.\n"
        "Read more: Another story about something else entirely\n"
        '"*" indicates required fields\n'
        "Related: Five things to know\n"
    )
    assert clean_article(raw).text == (
        "Officials confirmed the plan on Monday and said it would start soon."
    )


def test_real_sentences_that_look_like_prompts_stay() -> None:
    raw = (
        "Police asked drivers to follow us on the detour signs posted around the stadium "
        "while the road is closed for repairs this week.\n"
        "The mayor said the closure would last until Friday."
    )
    assert clean_article(raw, first_line_headline=False).text == raw.replace("\n", "\n\n")


def test_subheads_inside_the_body_stay() -> None:
    raw = (
        "First paragraph of the story, which is long enough to be a sentence.\n\n"
        "Market Reaction\n\n"
        "Shares fell sharply after the news broke."
    )
    assert "Market Reaction" in clean_article(raw, first_line_headline=False).text


def test_repeated_headline_under_a_photo_goes() -> None:
    raw = (
        "Storm hits the coast\n\nStorm hits the coast\n\n"
        "A storm hit the coast overnight, officials said."
    )
    cleaned = clean_article(raw)
    assert cleaned.headline == "Storm hits the coast"
    assert cleaned.text == "A storm hit the coast overnight, officials said."


def test_bbc_format_first_line_is_the_headline() -> None:
    raw = (
        "Ad sales boost Time Warner profit\n\n"
        "Quarterly profits at US media giant TimeWarner jumped 76% to $1.13bn.\n\n"
        "The firm said it was pleased."
    )
    cleaned = clean_article(raw)
    assert cleaned.headline == "Ad sales boost Time Warner profit"
    assert cleaned.text.startswith("Quarterly profits")


def test_a_first_sentence_is_not_a_headline() -> None:
    raw = "Putin rejected the plan on Friday. He said so twice."
    assert clean_article(raw).headline is None


def test_known_headline_is_not_guessed_but_its_copy_goes() -> None:
    raw = "Storm hits coast\n\nA storm hit the coast overnight, officials said."
    cleaned = clean_article(raw, known_headline="Storm hits coast")
    assert cleaned.headline is None
    assert cleaned.text == "A storm hit the coast overnight, officials said."


def test_soft_wraps_join_and_breaks_split() -> None:
    raw = "He praised the approach but\nattacked the plan.\nA new paragraph starts here."
    assert split_paragraphs(raw) == [
        "He praised the approach but\nattacked the plan.",
        "A new paragraph starts here.",
    ]


def test_lines_keep_their_characters() -> None:
    raw = "  “Quoted” text — with dashes… and Türkiye.  \r\nNext line here.\r\n"
    cleaned = clean_article(raw, first_line_headline=False)
    assert "“Quoted” text — with dashes… and Türkiye." in cleaned.text
    assert "\r" not in cleaned.text


def test_non_latin_navigation_label_at_top_goes() -> None:
    raw = "본문 바로가기\nbar_progress\nText Size\nClose\n\nBody sentence one is here. Two."
    assert clean_article(raw, first_line_headline=False).text == "Body sentence one is here. Two."


def test_a_short_lone_title_is_a_headline_not_chrome() -> None:
    cleaned = clean_article("Alpha story\n\nThe alpha event happened on Monday in Rome.")
    assert cleaned.headline == "Alpha story"
