"""The error hierarchy: readable messages, context as attributes, safe across processes."""

from __future__ import annotations

import ast
import pickle
from pathlib import Path

import pytest

from newsbot.index import errors
from newsbot.index.errors import (
    BlockedURLError,
    ConfigError,
    EncodingError,
    IngestError,
    NewsbotError,
    NotFoundError,
    StoreError,
)
from newsbot.index.models import IngestOutcome, Status


@pytest.mark.parametrize(
    "error",
    [
        EncodingError("not valid UTF-8 (byte 0xa3 at offset 7).", origin="a.txt"),
        BlockedURLError("only http and https links can be fetched.", origin="ftp://x/y"),
        NotFoundError("No article #9.", article_id=9),
        StoreError("Upgrade newsbot.", path="/tmp/x.db"),
        ConfigError("NEWSBOT_PORT must be a port number.", variable="NEWSBOT_PORT"),
    ],
)
def test_errors_survive_pickling_with_their_context(error: NewsbotError) -> None:
    # Ingest errors come back from worker processes; the context must come too.
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert str(copy) == str(error) == error.message
    assert copy.__dict__ == error.__dict__


def test_the_message_never_carries_the_origin() -> None:
    error = IngestError("the input is empty.", origin="<stdin>")
    assert str(error) == "the input is empty."
    assert error.origin == "<stdin>"
    outcome = IngestOutcome.failed(error)
    assert (outcome.origin, outcome.status, outcome.reason) == (
        "<stdin>",
        Status.FAILED,
        "the input is empty.",
    )


def test_context_is_required_and_named() -> None:
    with pytest.raises(TypeError, match="origin"):
        IngestError("no origin")
    with pytest.raises(TypeError, match="origin"):
        IngestError("a typo", orign="x.txt")
    with pytest.raises(TypeError):
        NewsbotError("no context here", origin="x.txt")


def test_every_raise_in_the_code_passes_its_context() -> None:
    """A missing origin= would only show as a TypeError on the failure path: check them all."""
    from tests.conftest import ROOT

    keys = {
        name: cls.context_keys
        for name, cls in vars(errors).items()
        if isinstance(cls, type) and issubclass(cls, errors.NewsbotError) and cls.context_keys
    }
    missing = []
    for folder in ("index", "bot", "benchmarks"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text("utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                given = {k.arg for k in node.keywords}
                if name in keys and not set(keys[name]) <= given:
                    missing.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}")
    assert "IngestError" in keys and "FetchError" in keys
    assert missing == []


def test_a_damaged_model_is_in_the_tree_and_one_line_on_the_command_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from newsbot.bot.cli import cli
    from newsbot.index import ModelError
    from newsbot.index import engine as engine_module
    from newsbot.index.answer import answerability, fitted

    assert issubclass(ModelError, NewsbotError) and issubclass(ModelError, ValueError)
    with pytest.raises(ModelError, match=r"no-such-model\.json shipped with newsbot"):
        fitted.packaged("no-such-model.json")

    # What a damaged shipped file gives (the shipped models are read once and cached,
    # so the engine is handed the damaged one the way it reads them).
    def damaged(*, encoder: bool = False) -> answerability.AnswerabilityModel:
        return answerability.AnswerabilityModel.from_json({"features": "damaged"})

    monkeypatch.setattr(engine_module, "shipped_model", damaged)
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "m.db"), "sources"])
    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("Error: the answerability model was fitted on features")
    assert "Traceback" not in result.output
