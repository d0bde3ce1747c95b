"""Lint, format and type checks run as part of the suite, so the README's one test command
(and CI) enforces them."""

from __future__ import annotations

import subprocess
import sys
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


def test_mypy_passes() -> None:
    result = _run(str(BIN / "mypy"), "finder_tui")
    assert result.returncode == 0, result.stdout + result.stderr
