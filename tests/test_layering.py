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


def _module_aliases(tree: ast.AST) -> set[str]:
    """Names bound to a tusz_guard module (`from tusz_guard.archive import pack as packing`, `import x as y`)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("tusz_guard"):
            base = PACKAGE.parent.joinpath(*node.module.split("."))
            names |= {a.asname or a.name for a in node.names
                      if (base / f"{a.name}.py").is_file() or (base / a.name / "__init__.py").is_file()}
        elif isinstance(node, ast.Import):
            names |= {a.asname for a in node.names if a.name.startswith("tusz_guard") and a.asname}
    return names


def _private_attributes(path: Path) -> list[str]:
    """`module._name` uses of another tusz_guard module's private names."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    aliases = _module_aliases(tree)
    return sorted({f"{n.value.id}.{n.attr}" for n in ast.walk(tree)
                   if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id in aliases
                   and n.attr.startswith("_") and not n.attr.startswith("__")})


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
    assert not _private_attributes(path), f"{me} uses private names of other modules: {_private_attributes(path)}"


# Each constant once (issue 11): the literal may appear only where the constant is defined. synth/ is the
# corpus generator the reader is tested against, and keeps its own copy on purpose (an independent oracle).
CONSTANTS = {
    ("train", "dev", "eval"): "tusz_guard/corpus/paths.py",
    ("train", "val"): "tusz_guard/corpus/ledger.py",
    ("train", "val", "test"): "tusz_guard/corpus/ledger.py",
    0.99: "tusz_guard/corpus/windows.py",
}


def _literals(path: Path) -> set[object]:
    found: set[object] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Tuple) and all(isinstance(e, ast.Constant) for e in node.elts):
            found.add(tuple(e.value for e in node.elts if isinstance(e, ast.Constant)))
        elif isinstance(node, ast.Constant) and isinstance(node.value, float):
            found.add(node.value)
    return found


def test_each_constant_is_defined_once() -> None:
    root = PACKAGE.parent
    copies = sorted(f"{path.relative_to(root)}: {value!r} (defined in {home})"
                    for path in FILES if "synth" not in path.relative_to(PACKAGE).parts
                    for value in _literals(path) & CONSTANTS.keys()
                    if (home := CONSTANTS[value]) != str(path.relative_to(root)))
    assert not copies, copies
