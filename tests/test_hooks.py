"""Hooks run a real program with values only in the environment, never the token, time-limited."""

from __future__ import annotations

import logging
import os
import signal
import stat
import sys
import time
from pathlib import Path

import pytest

from finder_tui.hooks import HookRunner, hook_environment
from tests.hook_script import runs, write_hook

TOKEN = "tok-SECRET-1234567890"
VALUES = {
    "session_id": "abc@findermsg",
    "peer": "fv1_x@findermsgstranger",
    "peer_name": "Ann",
    "text": '$(rm -rf ~); `id` "quoted" ; | & > x',
    "new_msg_id": str(2**64 - 1),
    "time": "1700000000",
}


def test_a_hook_gets_the_values_in_its_environment_and_argv_stays_as_configured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FINDER_TUI_TOKEN", TOKEN)
    monkeypatch.setenv("SOME_OTHER_SECRET", f"Bearer {TOKEN}")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-for-hooks")
    script, out = write_hook(tmp_path)
    runner = HookRunner({"message": [str(script), str(out)]}, secret=TOKEN)
    assert runner.fire("message", VALUES)
    assert runner.wait_idle()
    (record,) = runs(out)
    assert record.argv == [str(out)], "values never become arguments"
    env = record.env
    assert env["FINDER_TUI_EVENT"] == "message"
    assert env["FINDER_TUI_TEXT"] == VALUES["text"]
    assert env["FINDER_TUI_NEW_MSG_ID"] == "18446744073709551615"
    assert env["FINDER_TUI_PEER_NAME"] == "Ann"
    assert env["FINDER_TUI_SESSION_ID"] == "abc@findermsg"
    assert env["FINDER_TUI_TIME"] == "1700000000"
    assert "FINDER_TUI_TOKEN" not in env and "SOME_OTHER_SECRET" not in env
    assert "AWS_SECRET_ACCESS_KEY" not in env, "the environment is a safe base, not inherited"
    assert not any(TOKEN in v for v in env.values())
    assert "PATH" in env


def test_a_value_holding_the_token_is_dropped() -> None:
    env = hook_environment({"text": f"look: {TOKEN}"}, secret=TOKEN, base={"PATH": "/bin"})
    assert env == {"PATH": "/bin"}


def test_control_characters_and_nul_never_reach_the_environment() -> None:
    env = hook_environment({"text": "a\x00b\x1b]0;x\x07c\r\nd"}, secret=None, base={})
    assert env == {"FINDER_TUI_TEXT": "ab]0;xc\nd"}, "a multi-line DM keeps its newlines"
    env = hook_environment({"peer_name": "An\nn\x1b"}, secret=None, base={})
    assert env == {"FINDER_TUI_PEER_NAME": "An n"}, "names stay one line"


def test_an_event_without_a_hook_runs_nothing(tmp_path: Path) -> None:
    script, out = write_hook(tmp_path)
    runner = HookRunner({"message": [str(script), str(out)]})
    assert runner.fire("live_start", {}) is False
    assert runner.wait_idle(2)
    assert runs(out) == []


def test_a_failing_hook_is_reported_once_and_later_hooks_still_run(tmp_path: Path) -> None:
    script, out = write_hook(tmp_path)
    reported: list[str] = []
    runner = HookRunner({"message": [str(script), str(out)]}, on_failure=reported.append)
    for _ in range(3):
        runner.fire("message", {"text": "fail"})
    runner.fire("message", {"text": "fine"})
    assert runner.wait_idle()
    assert runner.failures == 3
    assert len(reported) == 1 and "exited with 3: boom" in reported[0]
    assert len(runs(out)) == 1


def test_a_missing_program_is_a_failure_not_a_crash(tmp_path: Path) -> None:
    reported: list[str] = []
    runner = HookRunner({"sent": [str(tmp_path / "nope")]}, on_failure=reported.append)
    runner.fire("sent", {})
    assert runner.wait_idle()
    assert len(reported) == 1 and "cannot run" in reported[0]


def test_a_hook_that_hangs_is_killed_after_the_time_limit(tmp_path: Path) -> None:
    script, out = write_hook(tmp_path)
    reported: list[str] = []
    runner = HookRunner(
        {"message": [str(script), str(out)]}, on_failure=reported.append, timeout=0.5
    )
    started = time.monotonic()
    runner.fire("message", {"text": "sleep"})
    assert runner.wait_idle(10)
    assert time.monotonic() - started < 8
    assert reported and "killed" in reported[0]


def test_at_most_a_few_hooks_run_at_once_and_a_flood_is_bounded(tmp_path: Path) -> None:
    script, out = write_hook(tmp_path)
    runner = HookRunner(
        {"message": [str(script), str(out)]}, timeout=0.3, max_running=2, max_queued=3
    )
    accepted = sum(runner.fire("message", {"text": "sleep"}) for _ in range(10))
    assert runner.wait_idle(15)
    assert 3 <= accepted <= 5 and runner.dropped == 10 - accepted
    assert runner.runs == accepted


def test_in_blocking_mode_a_flood_waits_for_room_and_no_hook_is_skipped(tmp_path: Path) -> None:
    script, out = write_hook(tmp_path)
    runner = HookRunner(
        {"message": [str(script), str(out)]}, max_running=2, max_queued=2, block=True
    )
    assert all(runner.fire("message", {"text": f"dm {n}"}) for n in range(12))
    assert runner.wait_idle(30)
    assert runner.dropped == 0 and len(runs(out)) == 12


def test_a_failure_is_reported_once_and_never_also_printed_by_logging(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Without a logging setup, a warning goes to stderr (Python's last-resort handler) next to
    # what the reporter prints: the same failure twice.
    reported: list[str] = []
    runner = HookRunner({"sent": [str(tmp_path / "nope")]}, on_failure=reported.append)
    runner.fire("sent", {})
    assert runner.wait_idle()
    assert len(reported) == 1
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_a_tilde_in_the_hook_program_is_the_home_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    script, out = write_hook(tmp_path)
    runner = HookRunner({"message": ["~/" + script.name, str(out)]})
    runner.fire("message", {"text": "hi"})
    assert runner.wait_idle()
    assert len(runs(out)) == 1 and runner.failures == 0


GRANDCHILD = """#!{python}
import subprocess, sys, time
child = subprocess.Popen(
    [sys.executable, "-c", "import time; time.sleep(8)"], start_new_session=True
)
open(sys.argv[1], "w").write(str(child.pid))
sys.stderr.write("x" * 100000)
time.sleep(30)
"""


def test_a_grandchild_holding_stderr_open_never_blocks_the_worker(tmp_path: Path) -> None:
    script = tmp_path / "spawner"
    script.write_text(GRANDCHILD.format(python=sys.executable), "utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    pid_file = tmp_path / "grandchild.pid"
    reported: list[str] = []
    runner = HookRunner(
        {"message": [str(script), str(pid_file)]}, on_failure=reported.append, timeout=0.5
    )
    try:
        runner.fire("message", {})
        assert runner.wait_idle(5), "the worker is free long before the grandchild exits"
        assert reported and "killed" in reported[0]
    finally:
        if pid_file.exists():
            try:
                os.kill(int(pid_file.read_text()), signal.SIGKILL)
            except ProcessLookupError:
                pass
