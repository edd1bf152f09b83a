from newsbot.index.text.sentences import paragraph_spans, split_sentences


def sentences(text: str) -> list[str]:
    return [text[s.start : s.end] for s in split_sentences(text)]


def test_abbreviations_do_not_end_sentences() -> None:
    text = (
        "The U.S. President met Dr. Smith on Sept. 5 at 3 p.m. local time. They spoke for an hour."
    )
    assert sentences(text) == [
        "The U.S. President met Dr. Smith on Sept. 5 at 3 p.m. local time.",
        "They spoke for an hour.",
    ]


def test_initials_do_not_end_sentences() -> None:
    assert len(sentences("J. K. Rowling wrote it. Then she left.")) == 2


def test_quotations_stay_with_their_sentence() -> None:
    text = 'He said, “We will go.” Then he left. She asked: "Is it over?" Nobody knew.'
    assert sentences(text) == [
        "He said, “We will go.”",
        "Then he left.",
        'She asked: "Is it over?"',
        "Nobody knew.",
    ]


def test_paragraph_break_always_ends_a_sentence() -> None:
    text = "A headline without a stop\n\nThe body starts here. It goes on."
    assert sentences(text) == [
        "A headline without a stop",
        "The body starts here.",
        "It goes on.",
    ]


def test_soft_wrap_inside_a_sentence_is_kept() -> None:
    text = "Peskov praised the approach but\nattacked the efforts. Next."
    assert sentences(text)[0] == "Peskov praised the approach but\nattacked the efforts."


def test_offsets_are_exact() -> None:
    text = "  One here.  Two there.\n\n\nThree.  "
    for span in split_sentences(text):
        chunk = text[span.start : span.end]
        assert chunk == chunk.strip() and chunk
    paragraphs = [text[s.start : s.end] for s in paragraph_spans(text)]
    assert paragraphs == ["One here.  Two there.", "Three."]


def test_remembered_decisions_split_as_punkt_does(monkeypatch) -> None:
    from nltk.tokenize.punkt import PunktSentenceTokenizer

    from newsbot.index.text import sentences as module

    tokenizer = module._tokenizer()
    plain = PunktSentenceTokenizer(tokenizer._params)
    texts = [
        "The U.S. President met Dr. Smith at 3 p.m. local time. They spoke. He said no.",
        "Mr. Jones said no. He left at 5 p.m. Then he said no. The U.S. said no.",
        "It rose 2.5%. Then it fell... Who knows? Not us! 'Why?' she asked. J. K. Rowling",
        # Plain words before a break are remembered by their case and what follows:
        'It was said." Then he left. The house.) Next one! Really? Yes. Monday. Tuesday.',
        'She had said." Then she went. No. The Mr. Ed. Kept.) Gone! Why? No.',
    ]
    monkeypatch.setattr(module, "_DECISIONS_KEPT", 4)  # the store clears itself, often
    for _ in range(2):  # the second time from remembered decisions
        for text in texts:
            assert list(tokenizer.span_tokenize(text)) == list(plain.span_tokenize(text))
    assert 0 < len(tokenizer._decisions) <= 4
