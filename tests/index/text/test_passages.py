from hypothesis import given, settings
from hypothesis import strategies as st

from newsbot.index.text.passages import MAX_WORDS, build_passages
from newsbot.index.text.sentences import split_sentences

WORDS = st.sampled_from(["troops", "Putin", "said", "the", "U.S.", "26", "talks", "Dr.", "peace"])
SENTENCE = st.lists(WORDS, min_size=1, max_size=25).map(lambda ws: " ".join(ws) + ".")
PARAGRAPH = st.lists(SENTENCE, min_size=1, max_size=12).map(" ".join)
ARTICLE = st.lists(PARAGRAPH, min_size=1, max_size=8).map("\n\n".join)


@settings(max_examples=150, deadline=None)
@given(ARTICLE)
def test_passages_cover_every_sentence_once_in_order(text: str) -> None:
    sentences = split_sentences(text)
    passages = build_passages(text, sentences)
    flattened = [s for p in passages for s in p.sentences]
    assert flattened == sentences
    for p in passages:
        assert p.start == p.sentences[0].start and p.end == p.sentences[-1].end


@settings(max_examples=150, deadline=None)
@given(ARTICLE)
def test_passages_stay_under_the_size_limit_unless_one_sentence_is_longer(text: str) -> None:
    for p in build_passages(text):
        words = len(text[p.start : p.end].split())
        longest = max(len(text[s.start : s.end].split()) for s in p.sentences)
        assert words <= MAX_WORDS or len(p.sentences) == 1 or longest > MAX_WORDS // 2


def test_short_paragraphs_merge_and_long_ones_split() -> None:
    short = "Subhead here\n\nA short line.\n\n"
    long_para = " ".join(f"Sentence number {i} has some words in it." for i in range(60))
    passages = build_passages(short + long_para)
    assert passages[0].sentences[0].start == 0
    assert len(passages) >= 3


def test_empty_text_has_no_passages() -> None:
    assert build_passages("") == []
