"""Issue 13.15: the README's test-time figure says what was measured and on what machine."""
from __future__ import annotations

import re
from pathlib import Path

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_make_test_time_is_a_measurement_with_its_machine() -> None:
    section = " ".join(README.split("## Development", 1)[1].split())     # the figures may wrap
    assert "about 2.5 minutes" not in section
    assert re.search(r"Measured with `time make test` on \d{4}-\d{2}-\d{2} on the 2-vCPU development VM", section)
    assert re.search(r"\d+ fast tests in \d+ s, \d+ slow ones in \d+ s", section)
