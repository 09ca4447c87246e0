"""The module map of docs/architecture.md, enforced: leaf results, pure checks, nothing imports commands/."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[1] / "tusz_guard"


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """(module, imported names) for every `import`/`from ... import` in a file, nested ones included."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: list[tuple[str, list[str]]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.append((node.module, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            out += [(a.name, []) for a in node.names]
    return out


def _module(path: Path) -> str:
    return ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")


FILES = sorted(PACKAGE.rglob("*.py"))


def test_results_is_a_leaf() -> None:
    assert [m for m, _ in _imports(PACKAGE / "results.py") if m.startswith("tusz_guard")] == []


@pytest.mark.parametrize("path", FILES, ids=lambda p: _module(p))
def test_module_respects_the_map(path: Path) -> None:
    me = _module(path)
    for module, names in _imports(path):
        if not module.startswith("tusz_guard"):
            continue
        if not me.startswith("tusz_guard.commands") and me != "tusz_guard.cli":
            assert not module.startswith("tusz_guard.commands"), f"{me} imports {module}"
        if me.startswith("tusz_guard.checks"):
            assert not module.startswith(("tusz_guard.app", "tusz_guard.report")), f"{me} imports {module}"
        private = [n for n in names if n.startswith("_") and not n.startswith("__")]
        assert not private, f"{me} imports private {private} from {module}"
