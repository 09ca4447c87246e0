"""docs/check-catalogue.md lists exactly the registered ids (and the bundled suites), in report order."""
from __future__ import annotations

import re
from pathlib import Path

from tusz_guard.app.preflight import listed_checks

CATALOGUE = Path(__file__).parents[2] / "docs" / "check-catalogue.md"


def test_the_catalogue_lists_every_registered_id_once_in_report_order() -> None:
    rows = re.findall(r"^\| `([a-z_]+\.[a-z_]+)` \|", CATALOGUE.read_text(encoding="utf-8"), re.M)
    assert rows == [c.id for c in listed_checks(None)]
