"""The engine's layering, read from the source: no stage imports a stage above it.

Bottom to top: the shared modules (errors, models, settings, collections), `text`, `store`,
then `ingest` and `answer` side by side (neither imports the other), then the
`engine` facade. The surfaces (`bot/`) import only `newsbot.index` itself.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

INDEX = ROOT / "index"
SHARED = {"errors", "models", "settings", "collections"}
# What each part of the engine may import, besides itself and the shared modules.
ALLOWED: dict[str, set[str]] = {
    "shared": set(),
    "text": set(),
    "store": {"text"},
    "ingest": {"text", "store"},
    "answer": {"text", "store"},
    "engine": {"text", "store", "ingest", "answer"},
    "__init__": {"text", "store", "ingest", "answer", "engine"},
}


def _part(module: str) -> str:
    """'newsbot.index.store.retriever' -> 'store'; 'newsbot.index.models' -> 'shared'."""
    head = module.removeprefix("newsbot.index").lstrip(".").split(".")[0]
    if head in SHARED:
        return "shared"
    return head or "__init__"


def _imports(path: Path) -> set[str]:
    """The newsbot modules a file imports (`from newsbot.index.x import y` counts
    newsbot.index.x, and `from newsbot.index import bm25`-style module imports too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("newsbot"):
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("newsbot"))
    return found


def _engine_modules() -> list[Path]:
    return sorted(p for p in INDEX.rglob("*.py") if "data" not in p.parts)


@pytest.mark.parametrize("path", _engine_modules(), ids=lambda p: str(p.relative_to(INDEX)))
def test_no_stage_imports_a_stage_above_it(path: Path) -> None:
    relative = path.relative_to(INDEX)
    own = "__init__" if relative == Path("__init__.py") else _part(".".join(relative.parts)[:-3])
    for module in _imports(path):
        if not module.startswith("newsbot.index"):
            continue
        # A module import like `from newsbot.index.answer import bm25` names its package.
        target = _part(module)
        if target in (own, "shared"):
            continue
        assert target in ALLOWED[own], f"{relative} ({own}) imports {module} ({target})"


def test_the_surfaces_import_only_the_public_names() -> None:
    for path in sorted((ROOT / "bot").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("newsbot.index"):
                assert node.module == "newsbot.index", (
                    f"{path.relative_to(ROOT)} imports {node.module}, not newsbot.index"
                )
            elif isinstance(node, ast.Import):
                assert not any(a.name.startswith("newsbot.index") for a in node.names), path


def test_the_layering_check_would_catch_a_violation(tmp_path: Path) -> None:
    # The check above is only as good as its parsing: a store module importing the
    # answer stage must be seen as such.
    bad = tmp_path / "bad.py"
    bad.write_text("from newsbot.index.answer.quotes import Candidate\n", encoding="utf-8")
    modules = _imports(bad)
    assert "newsbot.index.answer.quotes" in modules
    assert _part("newsbot.index.answer.quotes") == "answer"
    assert "answer" not in ALLOWED["store"]


def test_the_public_api_is_what_the_surfaces_use() -> None:
    """`newsbot.index` exports the names some surface imports, and the documented error
    tree (index/errors.py) whole; nothing else: the rest is the engine's own."""
    import newsbot.index as public
    from newsbot.index.errors import NewsbotError

    used: set[str] = set()
    for path in (ROOT / "bot").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "newsbot.index":
                used.update(alias.name for alias in node.names)
    errors = {
        name
        for name in public.__all__
        if isinstance(getattr(public, name), type)
        and issubclass(getattr(public, name), NewsbotError)
    }
    assert set(public.__all__) - errors == used - errors
    assert used <= set(public.__all__)
