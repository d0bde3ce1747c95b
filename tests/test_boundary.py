"""The headless core never imports textual (checked by import-linter and by a fresh import)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_linter_contract_holds() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    assert lint_imports.exists(), lint_imports
    proc = subprocess.run(
        [str(lint_imports), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "KEPT" in proc.stdout and "BROKEN" not in proc.stdout


_IMPORT_ALL = textwrap.dedent(
    """
    import importlib, json, pkgutil, sys
    import finder_tui

    imported, culprits = [], []
    for info in pkgutil.walk_packages(finder_tui.__path__, "finder_tui."):
        name = info.name
        if name == "finder_tui.tui" or name.startswith("finder_tui.tui."):
            continue
        if name.rsplit(".", 1)[-1] == "__main__":
            continue  # running these would start the program
        had = "textual" in sys.modules
        importlib.import_module(name)
        imported.append(name)
        if not had and "textual" in sys.modules:
            culprits.append(name)
    leaked = sorted(m for m in sys.modules if m == "textual" or m.startswith("textual."))
    print(json.dumps({"imported": imported, "textual": leaked[:5], "culprits": culprits}))
    """
)


def test_headless_modules_do_not_load_textual() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", _IMPORT_ALL],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    imported = set(result["imported"])
    for name in (
        "finder_tui.cli",
        "finder_tui.client",
        "finder_tui.config",
        "finder_tui.service",
        "finder_tui.sync",
        "finder_tui.store.store",
        "finder_tui.wire.models",
        "finder_tui.demo.server",
    ):
        assert name in imported
    assert result["textual"] == [], f"textual imported by {result['culprits']}"
