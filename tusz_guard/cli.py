"""The CLI: parses arguments, loads one command module lazily, maps errors to exit codes.

Commands live in tusz_guard/commands/<name>.py as a click command named `command`; loading them lazily
keeps `inventory` and `check` free of torch, MNE signal code and Great Expectations.
"""
from __future__ import annotations

import difflib
import importlib
import importlib.util
import sys

import click

from tusz_guard import __version__
from tusz_guard.errorlog import internal_error, print_error
from tusz_guard.errors import GuardError
from tusz_guard.extras import from_import_error
from tusz_guard.results import ExitCode

# The first line of each command's docstring, so `tusz-guard --help` imports no command module (and so neither
# numpy nor pydantic); tests/test_cli_start.py fails when a docstring and its line here differ.
SUMMARIES: dict[str, str] = {
    "synth": "Write a synthetic TUSZ corpus to DEST (data_dir is DEST/edf) and DEST/ground_truth.json.",
    "inventory": "List every recording under data_dir, its role, and why excluded ones are out.",
    "build-cache": "Build the preprocessed-signal cache the config reads.",
    "check": "Check a training setup before the first batch: config paths, corpus, labels, splits, cache.",
    "pack": "Archive the cache the config reads, refusing one that does not cover its training recordings.",
    "verify-archive": "Verify a cache archive without extracting it: safety, readability, totals, completeness, "
                      "checksums.",
    "verify-copy": "Verify that DEST (a folder or a URL such as s3://bucket/cache/tusz) holds exactly the cache "
                   "CONFIG reads.",
    "unpack": "Extract a cache archive into the config's cache dir: regular files only, under its prefix, "
              "verified first.",
    "train": "Run the preflight; train only when it passes (exit 1 naming the blocking checks otherwise).",
    "init": "Write configs/smoke.yaml and configs/train.yaml for DATA_DIR, then run the config checks on them.",
    "run": "Check, then run COMMAND only when the check passes (exit code = the command's; 1 when blocked).",
    "stamp": "Write a stamp into the cache a pipeline config reads, after a build you trust.",
    "report": "Work with the reports `check` writes.",
}

COMMANDS: dict[str, str] = {
    "synth": "tusz_guard.commands.synth",
    "inventory": "tusz_guard.commands.inventory",
    "build-cache": "tusz_guard.commands.build_cache",
    "check": "tusz_guard.commands.check",
    "pack": "tusz_guard.commands.pack",
    "verify-archive": "tusz_guard.commands.verify_archive",
    "verify-copy": "tusz_guard.commands.verify_copy",
    "unpack": "tusz_guard.commands.unpack",
    "train": "tusz_guard.commands.train",
    "init": "tusz_guard.commands.init",
    "run": "tusz_guard.commands.run",
    "stamp": "tusz_guard.commands.stamp",
    "report": "tusz_guard.commands.report",
}



class LazyGroup(click.Group):
    """A group whose subcommands are imported only when invoked (or listed by --help)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name in COMMANDS if _available(name))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = COMMANDS.get(cmd_name)
        if module is None or not _available(cmd_name):
            return None
        return importlib.import_module(module).command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """click's command list, from SUMMARIES: listing the commands imports none of them."""
        names = [n for n in self.list_commands(ctx) if n in SUMMARIES]
        if names:
            limit = formatter.width - 6 - max(len(n) for n in names)
            with formatter.section("Commands"):
                formatter.write_dl([(n, summary(n, limit)) for n in names])

    def resolve_command(self, ctx: click.Context, args: list[str]
                        ) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as exc:
            close = difflib.get_close_matches(args[0], self.list_commands(ctx), n=1, cutoff=0.5) if args else []
            if not close or "did you mean" in str(exc).lower():
                raise
            raise click.UsageError(f"No such command '{args[0]}'; did you mean '{close[0]}'?", ctx) from None


def summary(name: str, limit: int) -> str:
    """A command's line in `--help`, shortened as click shortens its docstring."""
    return click.Command(name, help=SUMMARIES[name]).get_short_help_str(limit)


def _available(name: str) -> bool:
    return importlib.util.find_spec(COMMANDS[name]) is not None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tusz-guard")
def cli() -> None:
    """Preflight checks for TUSZ seizure-detection training.

    \b
    Typical use:
      tusz-guard inventory configs/train.yaml      # which recordings, which role, why excluded
      tusz-guard check configs/train.yaml          # block a run that would process data live
      tusz-guard build-cache configs/train.yaml    # build the cache the config reads
      tusz-guard verify-archive cache.tar.gz --config configs/train.yaml

    Exit codes: 0 pass, 1 blocked, 2 usage or config error, 3 internal error.
    """


def main(argv: list[str] | None = None) -> None:
    """Console entry point: run the CLI and turn every outcome into a stable exit code."""
    sys.exit(run(argv))


def run(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code (never raises)."""
    try:
        result = cli.main(args=argv, prog_name="tusz-guard", standalone_mode=False)
    except GuardError as exc:
        print_error(exc)
        return exc.exit_code
    except click.exceptions.Abort as exc:
        if isinstance(exc.__cause__, EOFError):     # click wraps any EOFError (a truncated file) as Abort: a bug
            return internal_error(exc.__cause__)
        click.echo("aborted", err=True)
        return ExitCode.BLOCKED
    except click.ClickException as exc:
        exc.show()
        return ExitCode.USAGE
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        return 130
    except ModuleNotFoundError as exc:   # an optional extra that is not installed: say which, not a crash
        error = from_import_error(exc)
        if error is None:
            return internal_error(exc)
        print_error(error)
        return error.exit_code
    except Exception as exc:  # a bug: one line + a log file with the traceback
        return internal_error(exc)
    if isinstance(result, int):
        return result
    return ExitCode.OK


if __name__ == "__main__":
    main()
