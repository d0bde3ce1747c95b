"""Fixtures for every Textual Pilot test in tests/tui/ (the helpers are plain functions in
helpers.py): an isolated config, no FINDER_TUI_* settings from the developer, local time in UTC."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def tui_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Isolate config (no developer settings leak in) and pin local time to UTC."""
    for name in list(os.environ):
        if name.startswith("FINDER_TUI_"):
            monkeypatch.delenv(name, raising=False)
    home = tmp_path / "_tui_home"
    monkeypatch.setenv("FINDER_TUI_CONFIG", str(home / "missing-config.toml"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    with utc():
        yield


class utc:
    """``with utc():`` local time is UTC (TZ + tzset), restored afterwards."""

    def __enter__(self) -> None:
        self._saved = os.environ.get("TZ")
        os.environ["TZ"] = "UTC"
        time.tzset()

    def __exit__(self, *exc: object) -> None:
        if self._saved is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = self._saved
        time.tzset()
