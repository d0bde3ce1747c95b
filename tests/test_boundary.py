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
        if name.startswith("finder_tui.bench.app_"):
            continue  # the benchmarks that drive the app import it (lazily, from bench.cli)
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


def _import_cycles(package: str) -> list[list[str]]:
    """Every strongly connected group of modules (Tarjan): each one is an import circle."""
    import grimp

    graph = grimp.build_graph(package)
    modules = sorted(graph.modules)
    edges = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in edges.get(node, []):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1 or node in edges.get(node, []):
                cycles.append(sorted(group))

    for module in modules:
        if module not in index:
            visit(module)
    return cycles


def test_no_module_in_finder_tui_takes_part_in_an_import_circle() -> None:
    assert _import_cycles("finder_tui") == []


def test_the_circle_check_finds_a_circle_when_there_is_one(tmp_path: Path) -> None:
    pkg = tmp_path / "circle_pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from . import b\n")
    (pkg / "b.py").write_text("def f() -> None:\n    from . import a\n")
    sys.path.insert(0, str(tmp_path))
    try:
        assert _import_cycles("circle_pkg") == [["circle_pkg.a", "circle_pkg.b"]]
    finally:
        sys.path.remove(str(tmp_path))
