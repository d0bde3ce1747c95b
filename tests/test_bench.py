"""Smoke tests of ``python -m finder_tui.bench``: it runs and reports well-formed figures.

No timing thresholds: the figures depend on the machine (the command is not run by CI).
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

from finder_tui.bench.headless import QUERIES
from finder_tui.export import FORMATS

ROOT = Path(__file__).resolve().parent.parent


def _bench(*args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "finder_tui.bench", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_quick_json_reports_positive_figures_for_the_selected_benchmarks() -> None:
    result = _bench("--quick", "--json", "--only", "search,export")
    assert result.returncode == 0, result.stderr[-3000:]
    data = json.loads(result.stdout)
    figures = data["figures"]
    expected = {f"search.{label}.median_ms" for label, _ in QUERIES}
    expected |= {f"export.{fmt}.{unit}" for fmt in FORMATS for unit in ("ms", "mb")}
    assert set(figures) == expected
    for name, figure in figures.items():
        assert set(figure) == {"value", "unit", "target", "ok", "note"}, name
        value = figure["value"]
        assert isinstance(value, int | float) and math.isfinite(value) and value > 0, name
        assert figure["unit"] in ("ms", "MB"), name
    meta = data["meta"]
    assert meta["quick"] is True
    assert meta["page_size"] == 500


def test_unknown_benchmark_name_is_a_usage_error() -> None:
    result = _bench("--only", "search,nope", timeout=60)
    assert result.returncode == 2
    assert "nope" in result.stderr
    assert result.stdout == ""
