"""`tusz-guard-config FILES...`: the pre-commit hook. config.* checks on the changed configs, no corpus scan.

pre-commit passes only the changed files; the checks engine still reads their sibling configs (every YAML
file in the same folders) so a change that breaks consistency with an unchanged config is caught.
"""
from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from tusz_guard.errors import ConfigError, GuardError

if TYPE_CHECKING:
    from tusz_guard.config import LoadedConfig

CONFIG_SUFFIXES = (".yaml", ".yml")


@click.command("tusz-guard-config", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=str))
@click.option("--strict", is_flag=True, help="Warnings block too (exit 1).")
@click.option("-q", "--quiet", is_flag=True, help="Print only when the configs are blocked.")
def command(files: tuple[str, ...], strict: bool, quiet: bool) -> int:
    """Validate changed tusz-guard config files: schema, paths, consistency with sibling configs.

    Reads no corpus and no cache, so it runs in a fraction of a second. Files that are not
    .yaml/.yml are ignored; with no config file the hook passes.

    \b
    Examples:
      tusz-guard-config configs/train.yaml
      tusz-guard-config configs/smoke.yaml configs/train.yaml --strict
    """
    return check_configs([f for f in files if Path(f).suffix in CONFIG_SUFFIXES], strict=strict, quiet=quiet)


def check_configs(files: Sequence[str], *, strict: bool = False, quiet: bool = False) -> int:
    """Run the config.* checks with the first loadable file as primary; 0 pass, 1 blocked."""
    if not files:
        return 0
    # Imported here: `--help` and the no-config case stay instant.
    from tusz_guard.app.preflight import preflight
    from tusz_guard.pipeline.foreign_config import load_any
    from tusz_guard.report.text import render_text

    primary, errors = _first_loadable(files, load_any)
    if primary is None:
        for line in errors:
            click.echo(f"FAIL  config.schema  {line}")
        click.echo(f"BLOCKED: none of {len(files):,} config file(s) loads")
        return 1
    cfg, rest = primary
    report = preflight(cfg, rest, select=("config.*",), strict=strict)
    if not quiet or report.exit_code:
        click.echo(render_text(report))
    return report.exit_code


def _first_loadable(files: Sequence[str], load: Callable[[str], LoadedConfig]
                    ) -> tuple[tuple[LoadedConfig, tuple[str, ...]] | None, list[str]]:
    """(primary LoadedConfig, the other files) for the first file that loads, and the load errors before it."""
    errors: list[str] = []
    for i, path in enumerate(files):
        try:
            cfg = load(path)
        except GuardError as exc:
            text = exc.render(with_file=False) if isinstance(exc, ConfigError) else str(exc)
            errors += [f"{path}: {line}" for line in text.splitlines()]     # one line per problem
            continue
        # Files that failed before the primary are passed on too, so config.schema reports them.
        return (cfg, tuple(files[:i]) + tuple(files[i + 1:])), errors
    return None, errors


def run(argv: Sequence[str] | None = None) -> int:
    """Run the hook and return its exit code (never raises)."""
    try:
        result = command.main(args=list(argv) if argv is not None else None, prog_name="tusz-guard-config",
                              standalone_mode=False)
    except GuardError as exc:
        from tusz_guard.errorlog import print_error

        print_error(exc)
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return 2
    except Exception as exc:  # a bug: one line + a log file with the traceback, as for tusz-guard itself
        from tusz_guard.errorlog import internal_error

        return internal_error(exc)
    return result if isinstance(result, int) else 0


def main(argv: Sequence[str] | None = None) -> None:
    """Console entry point (`tusz-guard-config`)."""
    sys.exit(run(argv))


if __name__ == "__main__":
    main()
