"""The token never appears in logs, exception texts, command output, exports or the store.

One distinctive token drives a real sync (in-process with logging captured at DEBUG, and as a
subprocess), failures of every kind, and every export format; then every byte produced is
grepped for it.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from finder_tui.cli import main
from finder_tui.client import ClientConfig, FinderClient, Secret, SyncError
from finder_tui.demo import DemoServer, FaultSpec, default_demo_items

SECRET = "Leak-Canary-9f2c4e7a1b"


def _all_bytes(root: Path) -> list[tuple[Path, bytes]]:
    return [(p, p.read_bytes()) for p in root.rglob("*") if p.is_file()]


def test_token_never_leaks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    store = tmp_path / "store"
    exports = tmp_path / "exports"
    server = DemoServer(
        token=SECRET, wid="leak-wid", items=default_demo_items(messages=300), page_size=50
    ).start()
    env_keys = ("FINDER_TUI_BASE_URL", "FINDER_TUI_WID", "FINDER_TUI_TOKEN")
    os.environ.update(
        {
            "FINDER_TUI_BASE_URL": server.url,
            "FINDER_TUI_WID": "leak-wid",
            "FINDER_TUI_TOKEN": SECRET,
        }
    )
    texts: list[str] = []
    try:
        caplog.set_level(logging.DEBUG)
        assert main(["sync", "--once", "--json", "--store", str(store)]) == 0
        for fmt in ("md", "txt", "json", "csv", "html"):
            out = exports / fmt
            assert (
                main(["export", "--store", str(store), "--all", "--out", str(out), "--format", fmt])
                == 0
            )
        assert main(["stats", "--json", "--store", str(store)]) == 0
        # Failures: every error path's text, and the client's repr.
        for spec in ("1001=1.0", "500=1.0", "truncated=1.0"):
            server.set_faults(FaultSpec.parse(spec))
            with FinderClient(ClientConfig(server.url, "leak-wid", Secret(SECRET))) as client:
                texts.append(repr(client))
                with pytest.raises(SyncError) as info:
                    client.sync("")
                texts += [str(info.value), repr(info.value)]
        server.set_faults(None)
        with FinderClient(ClientConfig(server.url, "leak-wid", Secret(SECRET + "x"))) as client:
            with pytest.raises(SyncError) as info:
                client.sync("")
            texts += [str(info.value), repr(info.value)]
        # And a subprocess run, whose stdout and stderr are captured whole.
        run = subprocess.run(
            [sys.executable, "-m", "finder_tui", "sync", "--once", "--store", str(tmp_path / "s2")],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ},
        )
        assert run.returncode == 0, run.stderr
        texts += [run.stdout, run.stderr]
    finally:
        server.stop()
        for key in env_keys:
            os.environ.pop(key, None)
    captured = capsys.readouterr()
    texts += [captured.out, captured.err, caplog.text]
    assert len(list(exports.rglob("*.*"))) >= 5
    for text in texts:
        assert SECRET not in text
    for path, data in _all_bytes(tmp_path):
        assert SECRET.encode() not in data, f"token found in {path}"
