"""Answer quality on public data, newsbot beside a plain rank-bm25 baseline in the same run.

    python benchmarks/quality.py --data ../shared/data --json OUT.json

1. BEIR SciFact: the 5,183 abstracts go through newsbot's normal ingest; the
   300 test claims go through `search()`; nDCG@10 and Recall@100 against
   qrels/test.tsv (train qrels are reported too: that is what we tuned on).
2. SQuAD v1.1 dev as open-corpus QA: one article per Wikipedia title (2,067
   paragraphs), all 10,570 questions through `search()`-ranked passages and
   `answer()`; passage hit@1/@5, answer-in-quote@1/@3; then a fixed sample
   of 500 questions asked again with their whole article forgotten
   (newsbot should abstain). The first half of the questions (file order)
   is the tuning half; the second half is reported separately, held out.
3. The bundled seeds with newsbot's own question set.

The baseline: rank-bm25 BM25Okapi. On SciFact, over lower-cased whitespace
tokens of title and abstract. On SQuAD, over the same passages with
newsbot's stemmed terms, quoting the sentence of the top passage(s) with the
most query-term IDF.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import random
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsbot.index import AnswerSettings, ArticleDraft, Engine, Status  # noqa: E402
from newsbot.index.analysis import analyze  # noqa: E402

UNANSWERABLE_SAMPLE = 500
SEED = 20251122


# -- metrics (standard definitions; tests/benchmarks/test_quality.py checks them) --


def ndcg_at(ranked: list[str], relevant: dict[str, int], k: int) -> float:
    """nDCG@k with graded gains rel / log2(rank + 1), as trec_eval computes it."""
    dcg = sum(relevant.get(doc, 0) / math.log2(rank + 2) for rank, doc in enumerate(ranked[:k]))
    ideal = sorted(relevant.values(), reverse=True)[:k]
    idcg = sum(gain / math.log2(rank + 2) for rank, gain in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def recall_at(ranked: list[str], relevant: dict[str, int], k: int) -> float:
    wanted = {d for d, g in relevant.items() if g > 0}
    return len(wanted & set(ranked[:k])) / len(wanted) if wanted else 0.0


def mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else float("nan")


# -- SciFact ------------------------------------------------------------------------


def load_qrels(path: Path) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = defaultdict(dict)
    for line in path.read_text("utf-8").splitlines()[1:]:
        parts = line.strip().split("\t")
        if len(parts) == 3:
            qrels[parts[0]][parts[1]] = int(parts[2])
    return dict(qrels)


def scifact(data: Path, work: Path) -> dict[str, Any]:
    root = data / "beir-scifact"
    with gzip.open(root / "corpus.jsonl.gz", "rt", encoding="utf-8") as f:
        docs = [json.loads(line) for line in f if line.strip()]
    queries = {
        q["_id"]: q["text"]
        for q in map(json.loads, (root / "queries.jsonl").read_text("utf-8").splitlines())
    }
    splits = {name: load_qrels(root / "qrels" / f"{name}.tsv") for name in ("test", "train")}
    result: dict[str, Any] = {"documents": len(docs)}
    with Engine(work / "scifact.db") as engine:
        t = time.perf_counter()
        drafts = [
            ArticleDraft(
                text=d["text"],
                origin=f"scifact:{d['_id']}",
                headline=d["title"] or None,
                first_line_headline=False,
            )
            for d in docs
        ]
        outcomes = list(engine.ingest_many(drafts))
        result["ingest_s"] = time.perf_counter() - t
        statuses = defaultdict(int)
        for o in outcomes:
            statuses[o.status.value] += 1
        result["ingest"] = dict(statuses)
        doc_of = {a.id: a.origin.removeprefix("scifact:") for a in engine.sources()}
        for name, qrels in splits.items():
            ndcg, recall = [], []
            for qid, relevant in qrels.items():
                hits = engine.search(queries[qid], k=100).hits
                ranked = [doc_of[h.article.id] for h in hits]
                ndcg.append(ndcg_at(ranked, relevant, 10))
                recall.append(recall_at(ranked, relevant, 100))
            result[name] = {
                "queries": len(qrels),
                "ndcg_at_10": mean(ndcg),
                "recall_at_100": mean(recall),
            }
    result["ndcg_at_10"] = result["test"]["ndcg_at_10"]
    result["recall_at_100"] = result["test"]["recall_at_100"]
    result["baseline"] = scifact_baseline(docs, queries, splits)
    return result


def scifact_baseline(docs: list[dict], queries: dict[str, str], splits: dict) -> dict[str, Any]:
    from rank_bm25 import BM25Okapi

    ids = [d["_id"] for d in docs]
    model = BM25Okapi([f"{d['title']} {d['text']}".lower().split() for d in docs])
    out: dict[str, Any] = {}
    for name, qrels in splits.items():
        ndcg, recall = [], []
        for qid, relevant in qrels.items():
            scores = model.get_scores(queries[qid].lower().split())
            ranked = [ids[i] for i in sorted(range(len(ids)), key=lambda i: -scores[i])[:100]]
            ndcg.append(ndcg_at(ranked, relevant, 10))
            recall.append(recall_at(ranked, relevant, 100))
        out[name] = {"ndcg_at_10": mean(ndcg), "recall_at_100": mean(recall)}
    out["ndcg_at_10"] = out["test"]["ndcg_at_10"]
    out["recall_at_100"] = out["test"]["recall_at_100"]
    return out


# -- SQuAD --------------------------------------------------------------------------


def load_squad(data: Path) -> list[dict[str, Any]]:
    with gzip.open(data / "squad-v1.1" / "dev-v1.1.json.gz", "rt", encoding="utf-8") as f:
        return json.load(f)["data"]


def squad(data: Path, work: Path, limit: int | None) -> dict[str, Any]:
    articles = load_squad(data)
    texts: dict[str, str] = {}
    spans: dict[tuple[str, int], tuple[int, int]] = {}
    questions: list[dict[str, Any]] = []
    for article in articles:
        title = article["title"]
        parts, cursor = [], 0
        for number, paragraph in enumerate(article["paragraphs"]):
            context = " ".join(paragraph["context"].split())
            spans[(title, number)] = (cursor, cursor + len(context))
            parts.append(context)
            cursor += len(context) + 2
            for qa in paragraph["qas"]:
                questions.append(
                    {
                        "title": title,
                        "paragraph": number,
                        "question": qa["question"],
                        "answers": sorted({a["text"] for a in qa["answers"]}),
                    }
                )
        texts[title] = "\n\n".join(parts)
    if limit:
        questions = questions[:limit]
    half = len(questions) // 2
    result: dict[str, Any] = {"paragraphs": len(spans), "questions": len(questions)}
    with Engine(work / "squad.db") as engine:

        def draft(title: str) -> ArticleDraft:
            return ArticleDraft(
                text=texts[title],
                origin=f"squad:{title}",
                headline=title.replace("_", " "),
                first_line_headline=False,
            )

        outcomes = list(engine.ingest_many(draft(t) for t in texts))
        assert all(o.status is Status.ADDED for o in outcomes), outcomes
        id_of = {o.origin.removeprefix("squad:"): o.article_id for o in outcomes}
        rows = []
        for q in questions:
            gold = spans[(q["title"], q["paragraph"])]
            gold_article = id_of[q["title"]]
            hits = engine.passages(q["question"], k=5)
            ranks = [
                i
                for i, h in enumerate(hits)
                if h.article.id == gold_article
                and h.passage_start < gold[1]
                and h.passage_end > gold[0]
            ]
            answer = engine.answer(q["question"], k=3)
            quotes = [x.text.casefold() for x in answer.quotes]
            found = [any(a.casefold() in quote for a in q["answers"]) for quote in quotes]
            rows.append(
                {
                    "hit1": bool(ranks and ranks[0] == 0),
                    "hit5": bool(ranks),
                    "aiq1": bool(found[:1] and found[0]),
                    "aiq3": any(found[:3]),
                    "abstained": answer.abstained,
                }
            )
        for name, part in (
            ("all", rows),
            ("tuning_half", rows[:half]),
            ("held_out_half", rows[half:]),
        ):
            result[name] = _squad_rates(part)
        result.update({k: v for k, v in result["all"].items()})
        # Unanswerable: the question's whole article removed from the index.
        rng = random.Random(SEED)
        sample = rng.sample(range(len(questions)), min(UNANSWERABLE_SAMPLE, len(questions)))
        by_title: dict[str, list[int]] = defaultdict(list)
        for i in sample:
            by_title[questions[i]["title"]].append(i)
        abstained = 0
        for title, indices in by_title.items():
            engine.forget(id_of[title])
            for i in indices:
                abstained += engine.answer(questions[i]["question"], k=3).abstained
            id_of[title] = engine.ingest(draft(title)).article_id
        result["unanswerable_sample"] = len(sample)
        result["unanswerable_abstain_rate"] = abstained / len(sample) if sample else float("nan")
        result["baseline"] = squad_baseline(engine, questions, spans, id_of)
    return result


def _squad_rates(rows: list[dict[str, bool]]) -> dict[str, float]:
    n = len(rows) or 1
    return {
        "passage_hit_at_1": sum(r["hit1"] for r in rows) / n,
        "passage_hit_at_5": sum(r["hit5"] for r in rows) / n,
        "answer_in_quote_at_1": sum(r["aiq1"] for r in rows) / n,
        "answer_in_quote_at_3": sum(r["aiq3"] for r in rows) / n,
        "false_abstain_rate": sum(r["abstained"] for r in rows) / n,
    }


def squad_baseline(engine: Engine, questions: list[dict], spans: dict, id_of: dict) -> dict:
    """rank-bm25 over newsbot's passages (same stemmed terms); the top passages' sentence
    with the most query-term IDF is the quote."""
    from rank_bm25 import BM25Okapi

    rows = engine.store.db.execute(
        'SELECT p.id, p.article_id, p.start, p."end", p.terms FROM passages p ORDER BY p.id'
    ).fetchall()
    passage_ids = [r[0] for r in rows]
    meta = {r[0]: (r[1], r[2], r[3]) for r in rows}
    corpus = [[t for line in r[4].split("\n") for t in line.split()] for r in rows]
    model = BM25Okapi(corpus)
    stored = {pid: p for pid, (p, _) in engine.store.get_passages(passage_ids).items()}
    out = []
    for q in questions:
        terms = analyze(q["question"])
        scores = model.get_scores(terms)
        top = sorted(range(len(passage_ids)), key=lambda i: -scores[i])[:5]
        gold = spans[(q["title"], q["paragraph"])]
        gold_article = id_of[q["title"]]
        ranks = [
            rank
            for rank, i in enumerate(top)
            if meta[passage_ids[i]][0] == gold_article
            and meta[passage_ids[i]][1] < gold[1]
            and meta[passage_ids[i]][2] > gold[0]
        ]
        quotes = []
        for i in top[:3]:
            passage = stored[passage_ids[i]]
            best = max(
                range(len(passage.sentences)),
                key=lambda s: sum(
                    model.idf.get(t, 0.0) for t in set(terms) if t in passage.sentence_terms[s]
                ),
            )
            span = passage.sentences[best]
            quotes.append(passage.text[span.start - passage.start : span.end - passage.start])
        found = [any(a.casefold() in quote.casefold() for a in q["answers"]) for quote in quotes]
        out.append(
            {
                "hit1": bool(ranks and ranks[0] == 0),
                "hit5": bool(ranks),
                "aiq1": bool(found[:1] and found[0]),
                "aiq3": any(found),
                "abstained": False,
            }
        )
    half = len(out) // 2
    result = {
        "all": _squad_rates(out),
        "tuning_half": _squad_rates(out[:half]),
        "held_out_half": _squad_rates(out[half:]),
    }
    result.update(result["all"])
    return result


# -- seeds ----------------------------------------------------------------------------


def seeds(work: Path) -> dict[str, Any]:
    from benchmarks.seed_questions import evaluate

    questions = json.loads((ROOT / "tests/data/seed_questions.json").read_text("utf-8"))
    report, _ = evaluate(work / "seeds.db", ROOT / "seeds", questions, AnswerSettings())
    return {
        "answerable": report.answerable,
        "correct_at_3": report.correct_at_k / report.answerable,
        "correct_at_1": report.correct_at_1 / report.answerable,
        "false_abstain_rate": report.wrong_abstentions / report.answerable,
        "unanswerable_abstain_rate": report.correct_abstentions / report.unanswerable,
        "misquotes": report.misquotes,
    }


# -- report -----------------------------------------------------------------------------


def print_table(results: dict[str, Any]) -> None:
    def row(label: str, ours: float | None, theirs: float | None, target: str = "") -> None:
        o = "-" if ours is None else f"{ours:.3f}"
        t = "-" if theirs is None else f"{theirs:.3f}"
        print(f"{label:<44} {o:>9} {t:>9}   {target}")

    print(f"{'metric':<44} {'newsbot':>9} {'rank-bm25':>9}   target")
    print("-" * 78)
    if "scifact" in results:
        s, b = results["scifact"], results["scifact"]["baseline"]
        row("SciFact nDCG@10 (test, 300 claims)", s["ndcg_at_10"], b["ndcg_at_10"], ">= 0.690")
        row("SciFact Recall@100 (test)", s["recall_at_100"], b["recall_at_100"], ">= 0.92")
        row("SciFact nDCG@10 (train, tuned on)", s["train"]["ndcg_at_10"], b["train"]["ndcg_at_10"])
    if "squad" in results:
        q, b = results["squad"], results["squad"]["baseline"]
        for part in ("all", "tuning_half", "held_out_half"):
            label = {
                "all": "all",
                "tuning_half": "1st half, tuned on",
                "held_out_half": "2nd half, held out",
            }[part]
            row(
                f"SQuAD passage hit@1 ({label})",
                q[part]["passage_hit_at_1"],
                b[part]["passage_hit_at_1"],
            )
            row(
                f"SQuAD passage hit@5 ({label})",
                q[part]["passage_hit_at_5"],
                b[part]["passage_hit_at_5"],
            )
            row(
                f"SQuAD answer-in-quote@1 ({label})",
                q[part]["answer_in_quote_at_1"],
                b[part]["answer_in_quote_at_1"],
                ">= 0.75",
            )
            row(
                f"SQuAD answer-in-quote@3 ({label})",
                q[part]["answer_in_quote_at_3"],
                b[part]["answer_in_quote_at_3"],
                ">= 0.90",
            )
            row(
                f"SQuAD false abstentions ({label})", q[part]["false_abstain_rate"], None, "<= 0.05"
            )
        row(
            "SQuAD abstains, article removed (500)", q["unanswerable_abstain_rate"], None, ">= 0.90"
        )
    if "seeds" in results:
        s = results["seeds"]
        row("Seeds: right quote among 3 (31 questions)", s["correct_at_3"], None)
        row("Seeds: right first quote", s["correct_at_1"], None)
        row("Seeds: abstains when it should (10)", s["unanswerable_abstain_rate"], None)
        row("Seeds: false abstentions", s["false_abstain_rate"], None)
        print(f"{'Seeds: misquotes':<44} {s['misquotes']:>9}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--only", default="scifact,squad,seeds")
    parser.add_argument("--squad-limit", type=int, help="ask only the first N questions")
    args = parser.parse_args(argv)
    wanted = set(args.only.split(","))
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="newsbot-quality-") as tmp:
        work = Path(tmp)
        if "scifact" in wanted:
            results["scifact"] = scifact(args.data, work)
            print("scifact done", flush=True)
        if "squad" in wanted:
            results["squad"] = squad(args.data, work, args.squad_limit)
            print("squad done", flush=True)
        if "seeds" in wanted:
            results["seeds"] = seeds(work)
    results["baseline"] = {
        name: results[name].pop("baseline") for name in ("scifact", "squad") if name in results
    }
    print_table(
        {
            **results,
            **{
                name: {**results[name], "baseline": results["baseline"][name]}
                for name in results["baseline"]
            },
        }
    )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
