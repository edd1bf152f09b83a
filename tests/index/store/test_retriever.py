"""The tantivy index against reference BM25 implementations on the same terms."""

from pathlib import Path

import pytest
from rank_bm25 import BM25Okapi

from newsbot.index.answer import bm25
from newsbot.index.ingest.clean import clean_article
from newsbot.index.store.retriever import IndexDoc, Retriever
from newsbot.index.text.analysis import analyze
from newsbot.index.text.passages import build_passages
from tests.conftest import SEEDS

QUERIES = [
    "countries pledged troops",
    "Danish Refugee Council missile attack",
    "Truth Social India Russia China",
    "Vladivostok economic forum warning",
    "Peskov root causes conflict",
    "Austria Holy See host meeting",
    "air support ground troops",
    "legitimate targets destruction",
]


@pytest.fixture(scope="module")
def corpus() -> list[list[str]]:
    docs = []
    for path in sorted(SEEDS.glob("*.txt")):
        text = clean_article(path.read_text("utf-8")).text
        docs.extend(analyze(text[p.start : p.end]) for p in build_passages(text))
    return docs


@pytest.fixture(scope="module")
def retriever(corpus: list[list[str]], tmp_path_factory: pytest.TempPathFactory) -> Retriever:
    r = Retriever(Path(tmp_path_factory.mktemp("ix")) / "index", title_boost=0.0)
    r.add(IndexDoc(i, 0, terms, []) for i, terms in enumerate(corpus))
    r.commit()
    return r


def _reference_scores(corpus: list[list[str]], query: list[str]) -> list[float]:
    n = len(corpus)
    avg = sum(map(len, corpus)) / n
    idf = {t: bm25.idf(n, sum(t in d for d in corpus)) for t in set(query)}
    return [bm25.score(idf, {t: d.count(t) for t in idf}, len(d), avg) for d in corpus]


@pytest.mark.parametrize("query", QUERIES)
def test_index_scores_match_the_pure_bm25_functions(
    corpus: list[list[str]], retriever: Retriever, query: str
) -> None:
    terms = analyze(query)
    hits = retriever.run(dict.fromkeys(terms, 1.0), top_k=len(corpus))
    reference = _reference_scores(corpus, terms)
    for hit in hits:
        # tantivy stores document lengths in a lossy one-byte code: close, not equal.
        assert hit.score == pytest.approx(reference[hit.passage_id], rel=0.05)
    assert hits[0].passage_id == max(range(len(corpus)), key=reference.__getitem__)


@pytest.mark.parametrize("query", QUERIES)
def test_top5_agrees_with_rank_bm25(
    corpus: list[list[str]], retriever: Retriever, query: str
) -> None:
    terms = analyze(query)
    okapi = BM25Okapi(corpus).get_scores(terms)
    # rank-bm25 scores every document; only those holding a query term are matches.
    matching = [i for i, d in enumerate(corpus) if set(terms) & set(d)]
    theirs = sorted(matching, key=lambda i: -okapi[i])[:5]
    ours = [h.passage_id for h in retriever.run(dict.fromkeys(terms, 1.0), top_k=5)]
    assert ours[0] == theirs[0]
    assert len(set(ours) & set(theirs)) >= min(4, len(theirs))


def test_query_weights_scale_each_terms_contribution(
    corpus: list[list[str]], retriever: Retriever
) -> None:
    terms = analyze("Danish Refugee Council Vladivostok")
    weights = {t: (5.0 if t == "vladivostok" else 1.0) for t in terms}
    n, avg = len(corpus), sum(map(len, corpus)) / len(corpus)
    idf = {t: bm25.idf(n, sum(t in d for d in corpus)) for t in terms}
    for hit in retriever.run(weights, top_k=n):
        d = corpus[hit.passage_id]
        expected = sum(
            weights[t] * idf[t] * bm25.term_weight(d.count(t), len(d), avg) for t in terms
        )
        assert hit.score == pytest.approx(expected, rel=0.05)
    # The heavier term lifts the passage that holds it above the one that matches
    # three plain-weight terms.
    plain = retriever.run(dict.fromkeys(terms, 1.0), top_k=1)[0]
    heavy = retriever.run(weights, top_k=1)[0]
    assert "danish" in corpus[plain.passage_id] and "vladivostok" not in corpus[plain.passage_id]
    assert "vladivostok" in corpus[heavy.passage_id]


def test_query_validation(retriever: Retriever) -> None:
    assert retriever.run({}, 5) == []
    with pytest.raises(ValueError):
        retriever.run({"troop": 1.0}, 0)
    with pytest.raises(ValueError):
        Retriever(retriever.path, title_boost=-1)
