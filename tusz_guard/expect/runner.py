"""Run suites through an ephemeral Great Expectations context and turn the results into findings.

Great Expectations is imported here only, inside functions: `check` without suites never pays for it.
"""
from __future__ import annotations

import contextlib
import logging
import time
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tusz_guard.errors import GuardError
from tusz_guard.expect.results import ExpectationOutcome, outcome_of, suite_finding
from tusz_guard.expect.schema import ID_COLUMNS, TableName
from tusz_guard.expect.suites import SuiteFile, to_gx_suite
from tusz_guard.results import Finding

DATASOURCE = "tusz_guard"
DOCS_SITE = "tusz_guard"
MAX_ROWS = 20                # failing rows kept per expectation (the first ones, by table order)


@dataclass(frozen=True)
class Prepared:
    """A table ready to validate, or the reason its suites are skipped."""

    frame: Any = None                    # pandas.DataFrame
    problems: tuple[str, ...] = ()
    skip_reason: str | None = None


def run_suites(suites: list[SuiteFile], tables: Mapping[TableName, Prepared], parameters: dict[str, Any],
               data_docs_dir: Path | None = None) -> list[Finding]:
    """Validate every suite against its table; build Data Docs into data_docs_dir when given."""
    with quiet():
        built = {s.name: to_gx_suite(s) for s in suites}     # every suite checked before any runs
        context = _context(data_docs_dir)
        assets = _batch_definitions(context, {s.table for s in suites if tables[s.table].skip_reason is None})
        findings = [_run_one(context, s, built[s.name], tables[s.table], assets.get(s.table), parameters)
                    for s in suites]
        if data_docs_dir is not None:
            index = build_docs(context, data_docs_dir)
            findings = [_with_docs(f, index) for f in findings]
    return findings


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Silence GX's logging and warnings (deprecations, pandas) while it runs; progress bars are off in config."""
    logger = logging.getLogger("great_expectations")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


def _context(data_docs_dir: Path | None) -> Any:
    """An in-memory context: no temp docs site (GX's default would claim a folder under /tmp), no progress bars."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
                               progress_bars=ProgressBarsConfig(globally=False))
    context = gx.get_context(mode="ephemeral", project_config=config)
    if data_docs_dir is not None:
        context.add_data_docs_site(DOCS_SITE, {
            "class_name": "SiteBuilder",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(data_docs_dir)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        })
    return context


def _batch_definitions(context: Any, tables: set[TableName]) -> dict[TableName, Any]:
    source = context.data_sources.add_pandas(DATASOURCE)
    return {t: source.add_dataframe_asset(name=t).add_batch_definition_whole_dataframe("all") for t in sorted(tables)}


def _run_one(context: Any, suite: SuiteFile, gx_suite: Any, table: Prepared, batch_definition: Any,
             parameters: dict[str, Any]) -> Finding:
    if table.skip_reason is not None:
        return suite_finding(suite, rows=0, outcomes=[], skip_reason=table.skip_reason)
    import great_expectations as gx

    started = time.perf_counter()
    gx_suite = context.suites.add(gx_suite)
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=suite.name, data=batch_definition, suite=gx_suite))
    result = definition.run(batch_parameters={"dataframe": table.frame}, expectation_parameters=parameters,
                            result_format=result_format(suite.table))
    outcomes: list[ExpectationOutcome] = [outcome_of(r, ID_COLUMNS[suite.table]) for r in result.results]
    return suite_finding(suite, rows=len(table.frame), outcomes=outcomes, problems=table.problems,
                         duration_s=time.perf_counter() - started)


def result_format(table: TableName) -> dict[str, Any]:
    """SUMMARY keeps the first MAX_ROWS failing rows, named by the table's id columns (path, window)."""
    return {"result_format": "SUMMARY", "unexpected_index_column_names": list(ID_COLUMNS[table]),
            "partial_unexpected_count": MAX_ROWS, "return_unexpected_index_query": False}


def build_docs(context: Any, folder: Path) -> Path:
    """Build GX's Data Docs site into folder (suites and this run's validation results); its index page."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        context.build_data_docs(site_names=[DOCS_SITE])
    except OSError as exc:
        raise GuardError(f"cannot write Data Docs to {folder}: {exc.strerror or exc}",
                         hint="choose a writable folder with --data-docs DIR") from None
    return folder / "index.html"


def _with_docs(finding: Finding, index: Path) -> Finding:
    from dataclasses import replace

    return replace(finding, details={**finding.details, "data_docs": str(index)})
