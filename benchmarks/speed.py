"""Speed at scale: newsbot beside rank-bm25 and bm25s, on the same passages and questions.

    python benchmarks/speed.py --sizes 10000,100000,1000000 --json OUT.json
    python benchmarks/speed.py --sizes 10000            # quick mode, under a minute

For each size (a passage count) it builds a corpus from the BBC News articles
under --data (default ../shared/data/bbc-news/bbc-fulltext.tar.gz): the real
articles first, then new articles made of sentences shuffled across the
corpus with their named entities renamed, so the vocabulary keeps growing as
real news does and no article is a copy. It writes them as files, ingests
them with `Engine.ingest_paths` (what `newsbot ingest DIR` runs), and then,
in a fresh process, measures what a serving newsbot does: cold start to the
first answer, `answer()` (with the cross-encoder, the default, and without it:
NEWSBOT_ENCODER=off) and `search()` latency over 200+ questions, the same
answers scoped to a collection holding every tenth article (the filter runs
inside the index), adding one article until a query sees it, and peak RSS.
The baselines get the same passages, analysed into the same terms, and the
same questions.

    python benchmarks/speed.py --sizes 100000 --db postgresql://postgres@127.0.0.1/postgres

With --db (a PostgreSQL server where its user may create databases) every size
is measured twice in one run, on SQLite and on PostgreSQL (a database made for
the size and dropped after it, this process's replica index in the work
folder), and printed side by side; the PostgreSQL row adds the replica lag: a
second replica follows the database while the first ingests articles back to
back, and each article's lag is from the first replica's ingest() returning to
the article being found on the second (p50, p95).

Every figure is measured here; nothing is typed in.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUESTION_COUNT = 220
SCOPE = "desk"  # the collection scoped answers are measured in
ADD_SAMPLES = 20
LAG_ARTICLES = 200  # articles ingested back to back while the replica lag is measured
BASELINE_TIMEOUT_S = 600
BASELINE_QUERY_BUDGET_S = 120
_NAME = re.compile(r"(?<=[a-z,;] )[A-Z][a-z]{2,}")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'])")


# -- corpus ---------------------------------------------------------------------


def load_bbc(data: Path) -> list[tuple[str, str]]:
    """(headline, body) of every readable article in the BBC News archive."""
    archive = data / "bbc-news" / "bbc-fulltext.tar.gz"
    if not archive.is_file():
        raise SystemExit(f"BBC News archive not found at {archive} (use --data DIR)")
    articles = []
    with tarfile.open(archive) as tar:
        for member in sorted(tar.getmembers(), key=lambda m: m.name):
            if not member.isfile() or not member.name.endswith(".txt"):
                continue
            if member.name.lower().endswith("readme.txt"):
                continue
            raw = tar.extractfile(member)
            if raw is None:
                continue
            try:
                text = raw.read().decode("utf-8")
            except UnicodeDecodeError:
                continue  # one file of the corpus is Latin-1; ingest refuses it too
            headline, _, body = text.strip().partition("\n")
            if body.strip():
                articles.append((headline.strip(), body.strip()))
    return articles


def synthetic_article(
    rng: random.Random,
    shapes: list[list[list[str]]],
    pool: list[str],
    headlines: list[str],
    serial: int,
) -> str:
    """A new article: a real article's shape, sentences drawn from anywhere, names renamed."""
    shape = rng.choice(shapes)
    suffix = f"{serial:x}"
    renames: dict[str, str] = {}

    def rename(match: re.Match[str]) -> str:
        name = match.group()
        if name not in renames:
            # Most names stay (a news corpus repeats its people and places); some are new.
            renames[name] = name if rng.random() < 0.7 else f"{name}{suffix}"
        return renames[name]

    body = []
    for paragraph in shape:
        picked = [rng.choice(pool) for _ in paragraph]
        body.append(_NAME.sub(rename, " ".join(picked)))
    headline = _NAME.sub(rename, rng.choice(headlines))
    return headline + "\n\n" + "\n\n".join(body) + "\n"


def build_corpus(
    articles: list[tuple[str, str]], target_passages: int, out: Path, seed: int = 7
) -> int:
    """Write files until the estimated passage count reaches the target; returns files."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    shaped = [[_SENTENCE.split(p) for p in body.split("\n\n") if p.strip()] for _, body in articles]
    headlines = [h for h, _ in articles]
    pool = [sentence for shape in shaped for paragraph in shape for sentence in paragraph]
    # A BBC article makes about 3.7 passages (measured: 8,437 from 2,069 articles).
    per_article = 3.7
    count = max(1, round(target_passages / per_article))
    for n in range(count):
        if n < len(articles):
            headline, body = articles[n]
            text = f"{headline}\n\n{body}\n"
        else:
            text = synthetic_article(rng, shaped, pool, headlines, n)
        (out / f"{n // 1000:04d}").mkdir(exist_ok=True)
        (out / f"{n // 1000:04d}" / f"{n:07d}.txt").write_text(text, encoding="utf-8")
    return count


def make_questions(articles: list[tuple[str, str]], count: int, seed: int = 11) -> list[str]:
    """Natural-language questions about real articles of the corpus, from their headlines."""
    rng = random.Random(seed)
    forms = [
        "What happened with {h}?",
        "Why {h}?",
        "What do we know about {h}?",
        "Who is involved in {h}?",
        "When did {h}?",
        "How much is at stake in {h}?",
    ]
    picked = rng.sample(articles, min(count, len(articles)))
    questions = []
    for i, (headline, _) in enumerate(picked):
        questions.append(forms[i % len(forms)].format(h=headline.rstrip(".?!")))
    while len(questions) < count:  # a tiny corpus: reuse with another form
        questions.append(f"Tell me about {rng.choice(articles)[0]}?")
    return questions


# -- measurements -----------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def disk_mb(db: Path | str, index_dir: Path | None = None) -> float:
    if isinstance(db, str):  # PostgreSQL: the database's size, and this replica's index
        from newsbot.index.store.postgres import PostgresConnection

        sql = PostgresConnection(db)
        total = int(sql.scalar("SELECT pg_database_size(current_database())"))
        sql.close()
        assert index_dir is not None
        return total / 1e6 + folder_mb(index_dir)
    total = 0
    for path in [db, Path(f"{db}-wal"), Path(f"{db}-shm")]:
        if path.exists():
            total += path.stat().st_size
    index = db.with_name(db.name + ".index")
    return total / 1e6 + (folder_mb(index) if index.exists() else 0.0)


def folder_mb(folder: Path | str, *, read_copy: bool | None = None) -> float:
    """The files under `folder`; `read_copy` True: only a replica's read copy (the file
    and its -wal and -shm), False: all but it (the index alone)."""
    from newsbot.index.store.read_copy import FILE

    return (
        sum(
            p.stat().st_size
            for p in Path(folder).rglob("*")
            if p.is_file() and (read_copy is None or p.name.startswith(FILE) == read_copy)
        )
        / 1e6
    )


def ingest_corpus(db: Path | str, corpus: Path, index_dir: Path | None = None) -> dict[str, float]:
    from newsbot.index.engine import Engine
    from newsbot.index.models import Status

    with Engine(db, index_dir=index_dir) as engine:
        start = time.perf_counter()
        outcomes = list(engine.ingest_paths([corpus]))
        seconds = time.perf_counter() - start
        added = sum(o.status is Status.ADDED for o in outcomes)
        passages = engine.store.count_passages()
        # A desk's collection: every tenth article, filed after the fact (its passages
        # are indexed again with the name), for the scoped-answer figures.
        start = time.perf_counter()
        desk = [o.article_id for o in outcomes if o.article_id and o.article_id % 10 == 1]
        engine.collect(desk, SCOPE)
        collect_s = time.perf_counter() - start
    return {
        "articles": len(outcomes),
        "added": added,
        "passages": passages,
        "ingest_s": seconds,
        "bulk_articles_per_s": len(outcomes) / seconds,
        "scoped_articles": len(desk),
        "collect_s": collect_s,
    }


SERVE_SCRIPT = textwrap.dedent(
    """
    import json, resource, statistics, sys, time
    t_process = float(sys.argv[3])
    sys.path.insert(0, sys.argv[4])
    from newsbot.index.engine import Engine
    from newsbot.index.models import ArticleDraft
    questions = json.loads(open(sys.argv[2]).read())
    # The default: with the cross-encoder (a PostgreSQL library: this replica's index).
    engine = Engine(sys.argv[1], index_dir=sys.argv[7] or None)
    lexical = engine.with_system("lexical")  # as NEWSBOT_ENCODER=off answers, same library
    engine.repair_index()  # what every surface does at start
    engine.answer(questions[0])
    cold = time.time() - t_process
    for q in questions[:20]:  # warm-up: page cache and the analyzer's caches
        engine.answer(q)
    answer_ms, search_ms, scoped_ms, lexical_ms = [], [], [], []
    desk = frozenset({sys.argv[6]})
    for q in questions:
        t = time.perf_counter(); engine.answer(q); answer_ms.append((time.perf_counter() - t) * 1e3)
        t = time.perf_counter()
        lexical.answer(q); lexical_ms.append((time.perf_counter() - t) * 1e3)
        t = time.perf_counter(); engine.search(q); search_ms.append((time.perf_counter() - t) * 1e3)
        t = time.perf_counter(); engine.answer(q, collections=desk)
        scoped_ms.append((time.perf_counter() - t) * 1e3)
    add_ms = []
    for i in range(int(sys.argv[5])):
        token = f"zqxmarker{i}w{int(t_process)}"
        draft = ArticleDraft(
            text=f"Benchmark insert {i}\\n\\nThe {token} harbour story number {i} was filed "
                 f"at {time.time()} by the speed benchmark, with fresh words {token}a {token}b.",
            origin=f"bench-{i}")
        t = time.perf_counter()
        engine.ingest(draft)
        hits = engine.search(token, k=1).hits
        add_ms.append((time.perf_counter() - t) * 1e3)
        assert hits and token in hits[0].passage, "the new article is not searchable"
    engine.close()
    print(json.dumps({
        "cold_start_s": cold,
        "answer_ms": answer_ms, "search_ms": search_ms, "add_ms": add_ms,
        "lexical_ms": lexical_ms,
        "scoped_ms": scoped_ms,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))
    """
)


def serve_measurements(
    db: Path | str, questions_file: Path, adds: int, index_dir: Path | None = None
) -> dict[str, Any]:
    """Run the serving measurements in a fresh process (cold start, latency, RSS)."""
    started = time.time()
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            SERVE_SCRIPT,
            str(db),
            str(questions_file),
            str(started),
            str(ROOT),
            str(adds),
            SCOPE,
            str(index_dir or ""),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"serving measurements failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


BASELINE_SCRIPT = textwrap.dedent(
    """
    import json, sys, time
    sys.path.insert(0, sys.argv[4])
    import sqlite3
    import numpy as np
    from newsbot.index.text.analysis import analyze
    which, db, questions = sys.argv[1], sys.argv[2], json.loads(open(sys.argv[3]).read())
    budget = float(sys.argv[5])
    conn = sqlite3.connect(db)
    corpus = [analyze(text) for (text,) in conn.execute(
        'SELECT substr(a.text, p.start + 1, p."end" - p.start) FROM passages p '
        'JOIN articles a ON a.id = p.article_id ORDER BY p.id')]
    queries = [analyze(q) for q in questions]
    t = time.perf_counter()
    if which == "rank_bm25":
        from rank_bm25 import BM25Okapi
        model = BM25Okapi(corpus)
        def top10(q):
            scores = model.get_scores(q)
            return np.argpartition(-scores, 10)[:10] if len(scores) > 10 else scores
    else:
        import bm25s
        model = bm25s.BM25()
        model.index(corpus, show_progress=False)
        def top10(q):
            return model.retrieve([q], k=min(10, len(corpus)), show_progress=False)
    build = time.perf_counter() - t
    times = []
    deadline = time.perf_counter() + budget
    for q in queries:
        if not q:
            continue
        t = time.perf_counter(); top10(q); times.append((time.perf_counter() - t) * 1e3)
        if time.perf_counter() > deadline:
            break
    print(json.dumps({"build_s": build, "query_ms": times}))
    """
)


def baseline(which: str, db: Path, questions_file: Path) -> dict[str, Any]:
    """A baseline in its own process, stopped after BASELINE_TIMEOUT_S."""
    try:
        result = subprocess.run(
            [
                sys.executable,
                "-c",
                BASELINE_SCRIPT,
                which,
                str(db),
                str(questions_file),
                str(ROOT),
                str(BASELINE_QUERY_BUDGET_S),
            ],
            capture_output=True,
            text=True,
            timeout=BASELINE_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"stopped": f"not finished in {BASELINE_TIMEOUT_S} s"}
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        return {"stopped": f"failed: {last}"}
    data = json.loads(result.stdout.strip().splitlines()[-1])
    return {
        "build_s": data["build_s"],
        "p50_ms": statistics.median(data["query_ms"]) if data["query_ms"] else None,
        "queries": len(data["query_ms"]),
    }


def replica_lag(url: str, work: Path, count: int) -> dict[str, float]:
    """Lag from one replica's ingest() returning to the article being found on another
    that follows the database, while the first ingests `count` articles back to back."""
    import threading

    from newsbot.index.engine import Engine
    from newsbot.index.models import ArticleDraft

    writer = Engine(url, index_dir=work / "lag-writer")
    follower = Engine(url, index_dir=work / "lag-follower")
    stop = threading.Event()
    following = threading.Thread(target=follower.follow_changes, args=(stop,), daemon=True)
    following.start()
    committed: dict[str, float] = {}
    lags: list[float] = []
    tokens = [f"lagmarker{n}x{int(time.time())}" for n in range(count)]

    def watch() -> None:
        for token in tokens:
            while token not in committed:
                time.sleep(0.001)
            while not follower.search(token, k=1).hits:
                time.sleep(0.002)
            lags.append((time.monotonic() - committed[token]) * 1e3)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    for n, token in enumerate(tokens):
        draft = ArticleDraft(
            text=f"Lag story {n}\n\nThe {token} story number {n} was filed by the lag "
            f"benchmark at {time.time()}, with words {token}a and {token}b.",
            origin=f"lag-{n}",
        )
        writer.ingest(draft)
        committed[token] = time.monotonic()
    watcher.join(timeout=120)
    stop.set()
    following.join(timeout=30)
    writer.close()
    follower.close()
    return {
        "lag_p50_ms": statistics.median(lags),
        "lag_p95_ms": percentile(lags, 95),
        "lag_articles": len(lags),
    }


def measure(
    db: Path | str,
    corpus: Path,
    questions: list[str],
    work: Path,
    size: int,
    index_dir: Path | None = None,
) -> dict[str, Any]:
    """Ingest the corpus into one library (SQLite or PostgreSQL) and measure it."""
    ingest = ingest_corpus(db, corpus, index_dir)
    where = "PostgreSQL" if index_dir else "SQLite"
    print(
        f"[{size:,}] {where}: ingested {ingest['articles']:,} articles -> "
        f"{ingest['passages']:,} passages in {ingest['ingest_s']:.1f} s",
        flush=True,
    )
    questions_file = work / "questions.json"
    questions_file.write_text(json.dumps(questions))
    serve = serve_measurements(db, questions_file, ADD_SAMPLES, index_dir)
    return {
        "backend": where,
        "passages": ingest["passages"],
        "articles": ingest["articles"],
        "answer_p50_ms": statistics.median(serve["answer_ms"]),
        "answer_p95_ms": percentile(serve["answer_ms"], 95),
        "lexical_p50_ms": statistics.median(serve["lexical_ms"]),
        "lexical_p95_ms": percentile(serve["lexical_ms"], 95),
        "search_p50_ms": statistics.median(serve["search_ms"]),
        "search_p95_ms": percentile(serve["search_ms"], 95),
        "scoped_p50_ms": statistics.median(serve["scoped_ms"]),
        "scoped_p95_ms": percentile(serve["scoped_ms"], 95),
        "scoped_articles": ingest["scoped_articles"],
        "collect_s": ingest["collect_s"],
        "add_article_ms": statistics.median(serve["add_ms"]),
        "bulk_articles_per_s": ingest["bulk_articles_per_s"],
        "cold_start_s": serve["cold_start_s"],
        "peak_rss_mb": serve["peak_rss_mb"],
        "disk_mb": disk_mb(db, index_dir),
        # The search index alone, and a replica's read copy beside it: what each keeps.
        "index_mb": folder_mb(index_dir or db.with_name(db.name + ".index"), read_copy=False),
        "read_copy_mb": folder_mb(index_dir, read_copy=True) if index_dir else 0.0,
        "questions": len(questions),
    }


def run_size(
    size: int,
    articles: list,
    questions: list[str],
    work: Path,
    baselines: set[str],
    postgres: str | None = None,
) -> dict[str, Any]:
    corpus = work / f"corpus-{size}"
    db = work / f"db-{size}" / "newsbot.db"
    db.parent.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    files = build_corpus(articles, size, corpus)
    print(
        f"[{size:,}] wrote {files:,} article files in {time.perf_counter() - t:.1f} s", flush=True
    )
    row = measure(db, corpus, questions, work, size)
    questions_file = work / "questions.json"
    for which in ("rank_bm25", "bm25s"):
        if which not in baselines:
            row[f"{which}_p50_ms"] = None
            continue
        print(f"[{size:,}] baseline {which}...", flush=True)
        result = baseline(which, db, questions_file)
        row[f"{which}_p50_ms"] = result.get("p50_ms")
        row[f"{which}_build_s"] = result.get("build_s")
        if "stopped" in result:
            row[f"{which}_stopped"] = result["stopped"]
    if postgres is not None:
        with bench_database(postgres, size) as url:
            pg = measure(url, corpus, questions, work, size, work / f"replica-{size}")
            print(f"[{size:,}] PostgreSQL: replica lag under continuous ingest...", flush=True)
            pg.update(replica_lag(url, work / f"lag-{size}", LAG_ARTICLES))
        row["postgresql"] = pg
    shutil.rmtree(corpus, ignore_errors=True)
    return row


@contextlib.contextmanager
def bench_database(admin_url: str, size: int) -> Iterator[str]:
    """An empty database for one size on the server `admin_url` names; dropped after."""
    import psycopg

    name = f"newsbot_bench_{size}_{os.getpid()}"
    base, _, _ = admin_url.rpartition("/")
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:,.0f}x" if a and b else "-"


def print_table(rows: dict[int, dict[str, Any]]) -> None:
    header = (
        f"{'passages':>10} {'answer p50/p95 ms':>18} {'lexical p50/p95':>18} "
        f"{'scoped p50/p95 ms':>18} "
        f"{'search p50/p95 ms':>18} {'add ms':>7} "
        f"{'bulk art/s':>10} {'cold s':>6} {'RSS MB':>7} {'disk MB':>8} "
        f"{'rank-bm25 ms':>12} {'ratio':>6} {'bm25s ms':>9} {'ratio':>6}"
    )
    print(header)
    print("-" * len(header))
    for row in rows.values():
        rb, bs = row.get("rank_bm25_p50_ms"), row.get("bm25s_p50_ms")
        print(
            f"{row['passages']:>10,} "
            f"{row['answer_p50_ms']:>8.2f} /{row['answer_p95_ms']:>7.2f} "
            f"{row['lexical_p50_ms']:>8.2f} /{row['lexical_p95_ms']:>7.2f} "
            f"{row['scoped_p50_ms']:>8.2f} /{row['scoped_p95_ms']:>7.2f} "
            f"{row['search_p50_ms']:>8.2f} /{row['search_p95_ms']:>7.2f} "
            f"{row['add_article_ms']:>7.1f} {row['bulk_articles_per_s']:>10,.0f} "
            f"{row['cold_start_s']:>6.2f} {row['peak_rss_mb']:>7.0f} {row['disk_mb']:>8.0f} "
            f"{(f'{rb:.2f}' if rb else row.get('rank_bm25_stopped', '-')):>12} "
            f"{_ratio(rb, row['answer_p50_ms']):>6} "
            f"{(f'{bs:.2f}' if bs else row.get('bm25s_stopped', '-')):>9} "
            f"{_ratio(bs, row['answer_p50_ms']):>6}"
        )
    pg_rows = [(row, row["postgresql"]) for row in rows.values() if "postgresql" in row]
    if pg_rows:
        print()
        print(
            f"{'passages':>10} {'backend':>10} {'answer p50/p95 ms':>18} "
            f"{'search p50/p95 ms':>18} {'add ms':>7} {'bulk art/s':>10} {'disk MB':>8} "
            f"{'index MB':>8} {'copy MB':>8} {'lag p50/p95 ms':>16}"
        )
        for sqlite_row, pg in pg_rows:
            for which in (sqlite_row, pg):
                lag = (
                    f"{which['lag_p50_ms']:>7.0f} /{which['lag_p95_ms']:>7.0f}"
                    if "lag_p50_ms" in which
                    else f"{'-':>16}"
                )
                print(
                    f"{which['passages']:>10,} {which['backend']:>10} "
                    f"{which['answer_p50_ms']:>8.2f} /{which['answer_p95_ms']:>7.2f} "
                    f"{which['search_p50_ms']:>8.2f} /{which['search_p95_ms']:>7.2f} "
                    f"{which['add_article_ms']:>7.1f} {which['bulk_articles_per_s']:>10,.0f} "
                    f"{which['disk_mb']:>8.0f} {which['index_mb']:>8.0f} "
                    f"{which.get('read_copy_mb', 0.0):>8.0f} {lag}"
                )
            print(
                f"{'':>10} {'PG/SQLite':>10} "
                f"{pg['answer_p50_ms'] / sqlite_row['answer_p50_ms']:>8.2f} /"
                f"{pg['answer_p95_ms'] / sqlite_row['answer_p95_ms']:>7.2f} "
                f"{pg['search_p50_ms'] / sqlite_row['search_p50_ms']:>8.2f} /"
                f"{pg['search_p95_ms'] / sqlite_row['search_p95_ms']:>7.2f} "
                f"{pg['add_article_ms'] / sqlite_row['add_article_ms']:>7.2f} "
                f"{pg['bulk_articles_per_s'] / sqlite_row['bulk_articles_per_s']:>10.2f}"
            )
    print("ratio = baseline top-10 p50 / newsbot answer() p50 (answer includes quote selection)")
    print("answer = with the cross-encoder (the default); lexical = NEWSBOT_ENCODER=off")
    print(f"scoped = answer() within the collection {SCOPE!r}: every tenth article")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000", help="passage counts, comma-separated")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--work", type=Path, help="working directory (default: a temp dir)")
    parser.add_argument(
        "--baselines",
        default="rank_bm25,bm25s",
        help="which baselines to run: rank_bm25,bm25s or none",
    )
    parser.add_argument("--questions", type=int, default=QUESTION_COUNT)
    parser.add_argument(
        "--db",
        help="also measure PostgreSQL: a postgresql:// URL of a server where its user may "
        "create databases (one is made for each size and dropped after it)",
    )
    args = parser.parse_args(argv)
    if args.db is not None and not args.db.startswith(("postgresql://", "postgres://")):
        parser.error("--db takes a postgresql:// URL (SQLite is always measured)")
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    baselines = {b for b in args.baselines.split(",") if b and b != "none"}
    articles = load_bbc(args.data)
    questions = make_questions(articles, args.questions)
    work = args.work or Path(tempfile.mkdtemp(prefix="newsbot-speed-"))
    rows: dict[int, dict[str, Any]] = {}
    try:
        for size in sizes:
            rows[size] = run_size(size, articles, questions, work, baselines, args.db)
            print(json.dumps({str(size): rows[size]}), flush=True)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    print()
    print_table(rows)
    if args.json:
        args.json.write_text(json.dumps({str(k): v for k, v in rows.items()}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
