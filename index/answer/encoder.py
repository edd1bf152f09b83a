"""The cross-encoder: how likely a candidate quote answers the question, read by a
small transformer that sees both together.

The lexical stages only count shared words, so "Did the Russian leader threaten
foreign soldiers?" cannot tell "Putin warned that foreign troops would be legitimate
targets" from a sentence that merely names foreign troops. This model reads the
question and one window at a time (MiniLM-L6, fine-tuned here by
`training/encoder.py` from sentence-transformers/all-MiniLM-L6-v2, Apache-2.0,
NOTICE beside the weights) and gives the probability that the window answers. It
re-ranks the first stage's best windows and is one more feature of the quote ranker
and the answerability model; it never writes or changes a word of a quote.

Answering needs ONNX Runtime and `tokenizers`, never torch: the model ships as an
int8 ONNX file in `index/data/encoder/`. `AnswerSettings(encoder=False)`
(`NEWSBOT_ENCODER=off`) answers without it, with the lexical models.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from newsbot.index.errors import EncoderError

# Question and window together, in word pieces, as the model was fine-tuned: the
# longer of the two is cut from its end until the pair fits.
MAX_LENGTH = 128
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


@dataclass(frozen=True)
class EncoderFiles:
    """Where one fine-tuned encoder lies: the ONNX model, its tokenizer, and its card."""

    model: Path
    tokenizer: Path
    card: Path

    @classmethod
    def in_folder(cls, folder: Path) -> EncoderFiles:
        return cls(folder / "model.onnx", folder / "tokenizer.json", folder / "encoder.json")


def shipped_files() -> EncoderFiles:
    """The encoder in the package (`index/data/encoder/`)."""
    folder = resources.files("newsbot.index").joinpath("data/encoder")
    return EncoderFiles.in_folder(Path(str(folder)))


class CrossEncoder:
    """Scores (question, window) pairs with the fine-tuned model. Thread-safe: one
    ONNX Runtime session is shared by every thread of a server."""

    def __init__(self, files: EncoderFiles, *, threads: int = 0) -> None:
        """`threads`: ONNX Runtime's intra-op threads (0: one per core)."""
        if threads < 0:
            raise ValueError("threads must not be negative")
        for path in (files.model, files.tokenizer, files.card):
            if not path.is_file():
                raise EncoderError(
                    f"the encoder file {path} is missing; reinstall newsbot, or answer "
                    "without the encoder (NEWSBOT_ENCODER=off)"
                )
        try:
            import onnxruntime
            from tokenizers import Tokenizer
        except ImportError as error:
            raise EncoderError(
                f"the encoder needs {error.name}, which is not installed; install newsbot "
                "with its dependencies, or answer without the encoder (NEWSBOT_ENCODER=off)"
            ) from error
        try:
            self.about: dict[str, Any] = json.loads(files.card.read_text("utf-8"))
        except (OSError, ValueError) as error:
            raise _unloadable(files, error) from error
        # Both libraries report a malformed file with exceptions that derive from
        # Exception alone (tokenizers raises Exception itself), so each call is
        # guarded on its own and the error always names the file's folder.
        try:
            tokenizer = Tokenizer.from_file(str(files.tokenizer))
        except Exception as error:  # see above: no narrower class to catch
            raise _unloadable(files, error) from error
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        try:
            self._session = onnxruntime.InferenceSession(
                str(files.model), options, providers=["CPUExecutionProvider"]
            )
        except Exception as error:  # see above: no narrower class to catch
            raise _unloadable(files, error) from error
        tokenizer.enable_truncation(MAX_LENGTH, strategy="longest_first")
        tokenizer.no_padding()
        self._tokenizer = tokenizer
        self._lock = threading.Lock()  # a Tokenizer's settings are shared state

    def probabilities(self, question: str, windows: Sequence[str]) -> list[float]:
        """For each window, the probability that it answers `question`."""
        if not windows:
            return []
        import numpy as np

        with self._lock:
            encoded = self._tokenizer.encode_batch([(question, w) for w in windows])
        width = max(len(e.ids) for e in encoded)
        arrays = {name: np.zeros((len(encoded), width), dtype=np.int64) for name in _INPUTS}
        for row, e in enumerate(encoded):
            n = len(e.ids)
            arrays["input_ids"][row, :n] = e.ids
            arrays["attention_mask"][row, :n] = e.attention_mask
            arrays["token_type_ids"][row, :n] = e.type_ids
        (logits,) = self._session.run(["logits"], arrays)
        return [_sigmoid(float(z)) for z in logits.reshape(-1)]


def _unloadable(files: EncoderFiles, error: Exception) -> EncoderError:
    return EncoderError(
        f"cannot load the encoder in {files.model.parent} ({error}); reinstall "
        "newsbot, or answer without the encoder (NEWSBOT_ENCODER=off)"
    )


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


@lru_cache(maxsize=1)
def shipped_encoder() -> CrossEncoder:
    """The package's encoder, loaded once per process on first use."""
    return CrossEncoder(shipped_files())
