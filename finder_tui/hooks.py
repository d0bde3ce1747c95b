"""User hooks: run a configured program when a DM arrives, a stream starts or ends, or we send.

A hook is an argv list from the config (``[hooks] message = ["/home/me/bin/on-dm", "--quiet"]``),
run without a shell. What happened goes ONLY into environment variables (``FINDER_TUI_*``), never
into argv, so message text can never become an argument or a command. The environment is built
from a short list of harmless variables, not inherited: the token (and any variable holding its
value) never reaches a hook.

Hooks run in the background on a few worker threads (at most ``max_running`` at once, a bounded
queue behind them), each killed after ``timeout`` seconds. When the queue is full, ``block``
decides: wait for room (``finder-tui sync``: a forwarder must not lose a DM) or skip the hook and
report it (the inbox must never stall). A failing hook is reported once per event through
``on_failure`` (or logged as a warning when there is no one to report to); it never stops sync.
"""

from __future__ import annotations

import logging
import os
import queue
import signal
import subprocess
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import IO

from .wire.sanitize import scrub, scrub_line

log = logging.getLogger(__name__)

MESSAGE, LIVE_START, LIVE_END, SENT = "message", "live_start", "live_end", "sent"
PREFIX = "FINDER_TUI_"
# Inherited as-is: what a program needs to run, find its locale and reach the desktop.
SAFE_BASE = (
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "LANG",
    "LANGUAGE",
    "TZ",
    "TMPDIR",
    "DISPLAY",
    "WAYLAND_DISPLAY",
    "DBUS_SESSION_BUS_ADDRESS",
    "XDG_RUNTIME_DIR",
)
MAX_VALUE = 4096  # a value longer than this is cut (environment space is shared with argv)
MULTI_LINE = ("text",)  # values that keep their newlines (a DM's lines); the rest are one line
TIMEOUT = 10.0
REAP_TIMEOUT = 2.0  # after the kill: how long to wait for the process to be gone
MAX_STDERR = 4096  # the most of a hook's stderr read back (the tail) for its failure message


@dataclass(frozen=True, slots=True)
class HookCall:
    event: str
    argv: tuple[str, ...]
    env: dict[str, str]


def hook_environment(
    values: Mapping[str, str], *, secret: str | None, base: Mapping[str, str] | None = None
) -> dict[str, str]:
    """A minimal environment: the safe base variables plus ``FINDER_TUI_<NAME>`` values.

    Any variable whose value holds the secret (the token) is dropped, whatever its name.
    """
    source = os.environ if base is None else base
    env = {k: v for k, v in source.items() if k in SAFE_BASE or k.startswith("LC_")}
    for name, value in values.items():
        fold = scrub if name in MULTI_LINE else scrub_line
        cleaned = fold(str(value)).replace("\x00", "")[:MAX_VALUE]
        env[PREFIX + name.upper()] = cleaned
    if secret:
        env = {k: v for k, v in env.items() if secret not in v and secret not in k}
    env.pop("FINDER_TUI_TOKEN", None)
    return env


class HookRunner:
    """Runs hooks in the background; ``fire`` never blocks and never raises."""

    def __init__(
        self,
        hooks: Mapping[str, Sequence[str]],
        *,
        secret: str | None = None,
        on_failure: Callable[[str], None] | None = None,
        timeout: float = TIMEOUT,
        max_running: int = 3,
        max_queued: int = 64,
        block: bool = False,
    ) -> None:
        # ``~/bin/on-dm`` works as in a shell; the rest of argv is passed exactly as written.
        self.hooks = {
            event: (os.path.expanduser(argv[0]), *argv[1:]) for event, argv in hooks.items() if argv
        }
        self.block = block
        self.secret = secret
        self.on_failure = on_failure or _no_report
        self.timeout = timeout
        self.max_running = max_running
        self.runs = 0  # hooks started (for tests and the status line)
        self.failures = 0
        self.dropped = 0
        self._queue: queue.Queue[HookCall | None] = queue.Queue(max_queued)
        self._workers: list[threading.Thread] = []
        self._reported: set[str] = set()
        self._lock = threading.Lock()

    def has(self, event: str) -> bool:
        return event in self.hooks

    def fire(self, event: str, values: Mapping[str, str]) -> bool:
        """Queue the hook for ``event`` (if one is configured); False when none is or the queue
        is full (a flood of messages must not pile up processes without bound). With ``block``
        a full queue waits for room instead: never False for a configured hook."""
        argv = self.hooks.get(event)
        if argv is None:
            return False
        env = hook_environment({"event": event, **values}, secret=self.secret)
        call = HookCall(event, argv, env)
        if self.block:
            self._ensure_workers(always=True)
            self._queue.put(call)
            return True
        try:
            self._queue.put_nowait(call)
        except queue.Full:
            self.dropped += 1
            self._fail(event, "too many hooks waiting; some were skipped", key="dropped")
            return False
        self._ensure_workers()
        return True

    def wait_idle(self, timeout: float = TIMEOUT + 5) -> bool:
        """Wait until every queued hook finished (tests, and ``sync`` before it exits)."""
        done = threading.Event()

        def join() -> None:
            self._queue.join()
            done.set()

        threading.Thread(target=join, daemon=True).start()
        return done.wait(timeout)

    def close(self) -> None:
        with self._lock:
            for _ in self._workers:
                try:
                    self._queue.put_nowait(None)
                except queue.Full:
                    break

    # ---- workers ---------------------------------------------------------------------------

    def _ensure_workers(self, *, always: bool = False) -> None:
        with self._lock:
            self._workers = [w for w in self._workers if w.is_alive()]
            if len(self._workers) < self.max_running and (always or self._queue.qsize() > 0):
                worker = threading.Thread(target=self._work, name="finder-hook", daemon=True)
                self._workers.append(worker)
                worker.start()

    def _work(self) -> None:
        while True:
            call = self._queue.get()
            try:
                if call is None:
                    return
                self._run(call)
            except Exception as exc:  # noqa: BLE001 - a hook must never take a worker down
                self._fail(call.event if call else "?", f"{type(exc).__name__}: {exc}")
            finally:
                self._queue.task_done()

    def _run(self, call: HookCall) -> None:
        self.runs += 1
        # stderr goes to a file, not a pipe: a grandchild that keeps it open cannot block us,
        # and only its tail is read back into memory.
        with tempfile.TemporaryFile() as err_file:
            try:
                process = subprocess.Popen(  # noqa: S603 - the user's argv, no shell, no text in it
                    list(call.argv),
                    env=call.env,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=err_file,
                    close_fds=True,
                    start_new_session=True,  # its own process group: the kill reaches its children
                    shell=False,
                )
            except OSError as exc:
                self._fail(call.event, f"cannot run {call.argv[0]}: {exc.strerror or exc}")
                return
            try:
                process.wait(timeout=self.timeout)
            except subprocess.TimeoutExpired:
                _kill_group(process)
                try:
                    process.wait(timeout=REAP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    pass  # unkillable (stuck in the kernel): the worker moves on regardless
                self._fail(
                    call.event, f"{call.argv[0]} took longer than {self.timeout:g} s; killed"
                )
                return
            if process.returncode != 0:
                self._fail(call.event, self._exit_text(call, process.returncode, err_file))

    def _exit_text(self, call: HookCall, code: int, err_file: IO[bytes]) -> str:
        size = err_file.seek(0, os.SEEK_END)
        err_file.seek(max(0, size - MAX_STDERR))
        tail = scrub_line(err_file.read(MAX_STDERR).decode("utf-8", "replace"))[-200:]
        if self.secret:
            tail = tail.replace(self.secret, "***")
        detail = f": {tail}" if tail else ""
        return f"{call.argv[0]} exited with {code}{detail}"

    def _fail(self, event: str, text: str, *, key: str | None = None) -> None:
        """Count a failure; report it once per ``key`` (the event by default)."""
        self.failures += 1
        message = f"hook '{event}' failed: {scrub_line(text)}"
        with self._lock:
            first = (key or event) not in self._reported
            self._reported.add(key or event)
        if self.on_failure is _no_report:
            log.warning("%s", message)  # nobody else reports it
            return
        log.debug("%s", message)  # reported once below: never printed twice
        if first:
            try:
                self.on_failure(message)
            except Exception:  # noqa: BLE001 - reporting must not fail the worker
                log.exception("reporting a hook failure failed")


def _no_report(text: str) -> None:
    pass


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, OSError):
        process.kill()
