"""Optional dependency groups: the gate installs light; a command that needs an extra names it (exit 2).

`pip install tusz-guard` gives check, inventory, verify-archive, the pre-commit hook and the pytest plugin
(click, pydantic, PyYAML, rich, numpy, zstandard). The rest is in extras, see pyproject.toml.
"""
from __future__ import annotations

import importlib.util

from tusz_guard.errors import GuardError

# extra -> the top-level modules it brings (what find_spec is asked about)
EXTRAS: dict[str, tuple[str, ...]] = {
    "train": ("torch",),
    "build": ("scipy", "mne", "edfio"),
    "expectations": ("great_expectations", "pandas"),
    "dask": ("dask", "distributed"),
    "s3": ("s3fs",),
}
EXTRA_OF: dict[str, str] = {module: extra for extra, modules in EXTRAS.items() for module in modules}


def missing(extra: str, modules: tuple[str, ...] | None = None) -> list[str]:
    """The modules of `extra` (or the named few of them) that cannot be imported here."""
    return [m for m in modules or EXTRAS[extra] if not _importable(m)]


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):    # a blocked or broken package is as good as absent
        return False


def install_hint(extra: str) -> str:
    return f"pip install 'tusz-guard[{extra}]'"


def require(extra: str, what: str, modules: tuple[str, ...] | None = None) -> None:
    """Raise a one-line GuardError (exit 2) naming the extra when any of its modules is absent."""
    absent = missing(extra, modules)
    if absent:
        raise GuardError(f"{what} needs the [{extra}] extra ({', '.join(absent)} not installed)",
                         hint=install_hint(extra))


def from_import_error(exc: ModuleNotFoundError) -> GuardError | None:
    """The same one line for an import that failed mid-run, when the module belongs to an extra."""
    extra = EXTRA_OF.get((exc.name or "").split(".")[0])
    if extra is None:
        return None
    return GuardError(f"this command needs the [{extra}] extra ({exc.name} not installed)", hint=install_hint(extra))
