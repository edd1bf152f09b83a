from newsbot.index.text.analysis import analyze, analyze_spans, fold, stopwords


def test_fold_strips_diacritics_and_case() -> None:
    assert fold("Türkiye") == fold("TURKIYE") == "turkiye"
    assert fold("Zelenskyy’s Café") == "zelenskyy’s cafe"


def test_diacritics_fold_to_the_same_term() -> None:
    assert analyze("Türkiye") == analyze("Turkiye") == analyze("TÜRKIYE")


def test_possessives_meet_the_bare_name() -> None:
    assert analyze("Putin's") == analyze("Putin’s") == analyze("Putin") == ["putin"]


def test_numbers_are_kept_and_normalised() -> None:
    assert analyze("26 countries") == ["26", "countri"]
    assert analyze("2,225 articles") == analyze("2225 articles")
    assert "3.5" in analyze("a 3.5% rise")


def test_stopwords_drop_but_acronyms_stay() -> None:
    assert analyze("the talks were with us") == ["talk"]
    assert analyze("U.S. troops") == analyze("US troops") == ["us", "troop"]
    assert analyze("WHO officials") == ["who", "offici"]
    assert analyze("who said it") == ["said"]


def test_stemming_joins_word_forms() -> None:
    assert analyze("peacekeepers") == analyze("peacekeeping")
    assert analyze("deploying") == analyze("deployed") == analyze("deploy")


def test_spans_point_at_the_source_words() -> None:
    text = "Macron’s 26 nations, in Türkiye."
    for token in analyze_spans(text):
        assert analyze(text[token.start : token.end]) == [token.term]


def test_stopword_list_ships_with_the_package() -> None:
    words = stopwords()
    assert {"the", "and", "of"} <= words
    assert "won" not in words  # "Who won the election?" keeps "won"


def test_empty_and_punctuation_only() -> None:
    assert analyze("") == []
    assert analyze("?!…—") == []
