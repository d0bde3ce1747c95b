"""Reading big syncFinder pages in a helper process, so a catch-up uses a second core.

Parsing (JSON, scrubbing, every XML payload through defusedxml) is about half of what a sync
costs in CPU, and it holds the GIL: a thread cannot overlap it with ingesting and committing
the previous page, a process can. ``PageParser.read`` is a drop-in for ``read_sync_answer``:
the same body gives the same ``SyncAnswer``, and whenever the helper is missing, slow, dead or
answers something unreadable, the body is read here instead, so no page depends on it.

The helper is ``python -P -m finder_tui.wire.parse_worker`` started with an argv list and an
environment of its own (the package's path only): no token, no proxy, no secret reaches it,
and it never opens a connection or a file. It starts with the first big page and ends with
``close`` (the sync engine closes it at the end of each cycle), or when our end of its pipe
closes (if we are killed).
"""

from __future__ import annotations

import fcntl
import logging
import os
import selectors
import subprocess
import sys
import threading
import time
from pathlib import Path

from .wire.answer import SyncAnswer, decode_answer, read_sync_answer
from .wire.parse_worker import frame

log = logging.getLogger(__name__)

MIN_BODY = 64 * 1024  # smaller pages (live polling) are cheaper to read here than to ship
ANSWER_TIMEOUT = 30.0  # a helper this slow is stuck: kill it and read here from now on
_PACKAGE_ROOT = str(Path(__file__).resolve().parent.parent)
# After our interpreter's path. -P: the current directory is NOT put on sys.path (``-m`` would
# put it first), so an ``orjson.py`` or an old ``finder_tui/`` where the user stands never runs.
WORKER_ARGS = ("-P", "-m", "finder_tui.wire.parse_worker")
MAX_ANSWER = 512 * 1024 * 1024  # an answer claiming more is not from our worker
PIPE_SIZE = 1 << 20  # Linux's default limit for an unprivileged process
_F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)


def helper_environment() -> dict[str, str]:
    """Only what the interpreter needs to find the package: nothing of ours is inherited."""
    return {"PYTHONPATH": _PACKAGE_ROOT, "PYTHONDONTWRITEBYTECODE": "1"}


def _ready(fd: int, event: int, timeout: float) -> bool:
    """Whether ``fd`` is ready within ``timeout`` (a selector: ``select.select`` fails on a
    descriptor numbered 1024 or more, which a long-running app can reach)."""
    with selectors.DefaultSelector() as selector:
        selector.register(fd, event)
        return bool(selector.select(timeout))


def _widen(fd: int) -> None:
    """Let a whole page through the pipe at once (Linux; elsewhere the default stays). With
    64 KB pipes a 500 KB page takes ~8 reads and writes, each needing the GIL back from the
    store thread, which holds it in 5 ms slices: the page waits tens of ms for nothing."""
    try:
        fcntl.fcntl(fd, _F_SETPIPE_SZ, PIPE_SIZE)
    except (OSError, AttributeError):
        pass


class PageParser:
    """Reads syncFinder bodies, big ones in the helper process. Used by one thread at a time
    (a lock makes a second caller wait, never interleave frames)."""

    def __init__(self, *, min_body: int = MIN_BODY, timeout: float = ANSWER_TIMEOUT) -> None:
        self.min_body = min_body
        self.timeout = timeout
        self.pages_in_helper = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._failed = False  # once broken, stay in this process
        self._closed = False
        self._lock = threading.Lock()

    def read(self, body: bytes) -> SyncAnswer:
        if len(body) < self.min_body or self._failed or self._closed:
            return read_sync_answer(body)
        with self._lock:
            # Checked again under the lock: a close() that went first must not be undone.
            busy = not (self._failed or self._closed)
            answer = self._read_in_helper(body) if busy else None
        return answer if answer is not None else read_sync_answer(body)

    def close(self) -> None:
        """End the helper at once (a reader still talking to it sees it die and reads its page
        here); later reads stay here."""
        self._closed = True
        proc = self._proc
        if proc is not None:
            try:
                proc.kill()  # without the lock: a stalled exchange must not hold up the close
            except OSError:
                pass
        with self._lock:
            self._stop()

    # ---- the helper -------------------------------------------------------------------------

    def _read_in_helper(self, body: bytes) -> SyncAnswer | None:
        proc = self._proc or self._start()
        if proc is None:
            return None
        assert proc.stdin is not None and proc.stdout is not None
        deadline = time.monotonic() + self.timeout  # one deadline for the whole exchange
        try:
            self._write_all(proc.stdin.fileno(), frame(body), deadline)
            size = int.from_bytes(self._read_exact(proc.stdout.fileno(), 4, deadline), "big")
            if size > MAX_ANSWER:
                raise EOFError("answer too big")
            payload = self._read_exact(proc.stdout.fileno(), size, deadline) if size else b""
        except (OSError, ValueError, TimeoutError, EOFError) as exc:
            self._give_up(f"the page parser process stopped answering ({type(exc).__name__})")
            return None
        except BaseException:
            # Anything else (MemoryError, an interrupt) leaves an answer unread in the pipe:
            # the next page would get this one's. End the helper before letting it out.
            self._give_up("the page parser exchange was interrupted")
            raise
        if not payload:
            return None  # it could not carry this page: read here
        try:
            answer = decode_answer(payload)
        except Exception as exc:  # noqa: BLE001 - whatever it sent, read the body here
            self._give_up(f"the page parser process answered garbage ({type(exc).__name__})")
            return None
        self.pages_in_helper += 1
        return answer

    def _start(self) -> subprocess.Popen[bytes] | None:
        try:
            self._proc = subprocess.Popen(  # noqa: S603 - our interpreter, fixed argv, own env
                [sys.executable, *WORKER_ARGS],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=helper_environment(),
                cwd=_PACKAGE_ROOT,
                close_fds=True,
                start_new_session=True,  # a terminal's Ctrl-C is ours to handle, not its
            )
            assert self._proc.stdin is not None and self._proc.stdout is not None
            os.set_blocking(self._proc.stdin.fileno(), False)  # writes must time out, too
            for pipe in (self._proc.stdin, self._proc.stdout):
                _widen(pipe.fileno())
        except OSError as exc:
            self._give_up(f"cannot start the page parser process ({exc.strerror or exc})")
            return None
        return self._proc

    def _write_all(self, fd: int, data: bytes, deadline: float) -> None:
        view = memoryview(data)
        while view:
            left = deadline - time.monotonic()
            if left <= 0 or not _ready(fd, selectors.EVENT_WRITE, left):
                raise TimeoutError
            try:
                view = view[os.write(fd, view) :]
            except BlockingIOError:
                continue

    def _read_exact(self, fd: int, size: int, deadline: float) -> bytes:
        parts: list[bytes] = []
        while size:
            left = deadline - time.monotonic()
            if left <= 0 or not _ready(fd, selectors.EVENT_READ, left):
                raise TimeoutError
            chunk = os.read(fd, min(size, 4 << 20))
            if not chunk:
                raise EOFError
            parts.append(chunk)
            size -= len(chunk)
        return b"".join(parts)

    def _give_up(self, why: str) -> None:
        log.warning("%s; reading pages in this process", why)
        self._failed = True
        self._stop()

    def _stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        for pipe in (proc.stdin, proc.stdout):
            try:
                if pipe is not None:
                    pipe.close()
            except OSError:
                pass
        try:
            proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
