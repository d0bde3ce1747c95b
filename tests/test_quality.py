"""Lint, format and type checks run as part of the suite, so the README's one test command
(and CI) enforces them."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_ruff_lint_passes() -> None:
    result = _run(str(BIN / "ruff"), "check", "finder_tui", "tests")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_clean() -> None:
    result = _run(str(BIN / "ruff"), "format", "--check", "finder_tui", "tests")
    assert result.returncode == 0, result.stdout + result.stderr


STRICT_MYPY = (
    "check_untyped_defs",
    "disallow_untyped_defs",
    "warn_return_any",
    "warn_unused_ignores",
)


def test_mypy_passes_strictly_over_the_code_and_the_tests() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["mypy"]
    assert all(config.get(flag) is True for flag in STRICT_MYPY), config
    result = _run(str(BIN / "mypy"))  # the files come from pyproject: finder_tui and tests
    assert result.returncode == 0, result.stdout + result.stderr
    checked = re.search(r"in (\d+) source files?", result.stdout)
    assert checked, result.stdout
    sources = [*(ROOT / "finder_tui").rglob("*.py"), *(ROOT / "tests").rglob("*.py")]
    assert int(checked.group(1)) == len(sources), "mypy skipped some code or tests"


MAX_MODULE_LINES = 450  # small modules with one job (issue 9): split along a seam, never cut


def test_no_module_in_finder_tui_is_longer_than_450_lines() -> None:
    sizes = {
        path.relative_to(ROOT).as_posix(): len(path.read_text("utf-8").splitlines())
        for path in (ROOT / "finder_tui").rglob("*.py")
    }
    assert len(sizes) > 50, "found too few modules: the walk looked in the wrong place"
    too_long = {path: lines for path, lines in sorted(sizes.items()) if lines > MAX_MODULE_LINES}
    assert not too_long, f"modules over {MAX_MODULE_LINES} lines: {too_long}"
