"""PageParser (finder_tui.parse_process): big bodies read in a helper process, the same answers
as in this process, no secret handed to the helper, and every way the helper can fail ending
in the right answer read here.

Bodies come from a real DemoServer on 127.0.0.1; misbehaving helpers are small scripts put in
place of the worker through ``parse_process.WORKER_ARGS``.
"""

from __future__ import annotations

import os
import resource
import signal
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from finder_tui import parse_process
from finder_tui.client import FinderClient
from finder_tui.demo import DemoServer, generate_items, seed_items
from finder_tui.demo.data import build_item
from finder_tui.parse_process import PageParser
from finder_tui.wire.answer import SyncAnswer, read_sync_answer
from tests.pipeline_support import child_pids, demo_bodies, needs_proc, note_children

ServerFactory = Callable[..., DemoServer]
ClientFactory = Callable[..., FinderClient]


@pytest.fixture(autouse=True)
def _note_children() -> None:
    note_children()


def the_helper() -> int:
    (pid,) = child_pids()
    return pid


def assert_same(got: SyncAnswer, want: SyncAnswer) -> None:
    assert got == want
    assert got.page is not None and want.page is not None
    assert [m.raw for m in got.page.messages] == [m.raw for m in want.page.messages]


def read_body(items: list[dict[str, Any]]) -> bytes:
    return orjson.dumps({"code": "1000", "message": "", "data": {"list": items, "keyBuff": "CAE="}})


@pytest.fixture()
def bodies(demo_server: ServerFactory, make_client: ClientFactory) -> list[bytes]:
    items = seed_items() + generate_items(sessions=5, messages=400, seed=13)
    server = demo_server(items, page_size=60)
    found = demo_bodies(server, make_client(server.url))
    assert len(found) == 8  # 419 items in 7 pages, then the empty one
    return found


@pytest.fixture()
def parser() -> Iterator[PageParser]:
    """A parser whose helper takes every page with a message (not the empty last one)."""
    made = PageParser(min_body=1000, timeout=20.0)  # a bound, not a speed target
    yield made
    made.close()


def fake_worker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str) -> None:
    """Start ``source`` (a Python script) in place of the page-parser worker."""
    script = tmp_path / "fake_worker.py"
    script.write_text(textwrap.dedent(source), "utf-8")
    monkeypatch.setattr(parse_process, "WORKER_ARGS", (str(script),))


# ---- the helper reads what this process would ------------------------------------------------


def test_big_pages_are_read_in_the_helper_and_equal_the_pages_read_here(
    bodies: list[bytes], parser: PageParser
) -> None:
    for body in bodies:
        assert_same(parser.read(body), read_sync_answer(body))
    assert parser.pages_in_helper == len(bodies) - 1  # the empty page is below min_body
    assert bodies[-1] and len(bodies[-1]) < parser.min_body


@needs_proc
def test_small_pages_never_start_the_helper(bodies: list[bytes]) -> None:
    parser = PageParser(min_body=max(map(len, bodies)) + 1)
    try:
        for body in bodies:
            assert_same(parser.read(body), read_sync_answer(body))
        assert parser.pages_in_helper == 0
        assert child_pids() == []
    finally:
        parser.close()


def test_bodies_that_are_no_page_come_out_of_the_helper_as_they_would_here(
    parser: PageParser,
) -> None:
    filler = " " * 2000  # JSON allows the padding: every body is over min_body
    for body in (
        ('{"code":"1001","message":"服务繁忙","data":null}' + filler).encode(),
        ("<html>502 Bad Gateway</html>" + filler).encode(),
        ('{"code":"1000","data":{"list":{}}}' + filler).encode(),
    ):
        got, want = parser.read(body), read_sync_answer(body)
        assert got == want and got.page is None
    assert parser.pages_in_helper == 3


@needs_proc
def test_two_threads_reading_at_once_each_get_their_own_answer(
    bodies: list[bytes], parser: PageParser
) -> None:
    results: dict[int, list[SyncAnswer]] = {0: [], 1: []}

    def read_all(slot: int) -> None:
        for body in bodies[:-1]:
            results[slot].append(parser.read(body))

    threads = [threading.Thread(target=read_all, args=(slot,)) for slot in results]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    want = [read_sync_answer(body) for body in bodies[:-1]]
    assert results[0] == want and results[1] == want
    assert parser.pages_in_helper == 2 * len(want)
    assert len(child_pids()) == 1  # one helper, frames never interleaved


# ---- no secret reaches the helper ------------------------------------------------------------


@needs_proc
def test_the_helper_gets_no_token_nor_any_secret_in_its_environment_or_argv(
    bodies: list[bytes], parser: PageParser, monkeypatch: pytest.MonkeyPatch, token: str
) -> None:
    secrets = {
        "FINDER_TUI_TOKEN": token,
        "FINDER_TUI_WID": "wid-secret-8d1e",
        "AWS_SECRET_ACCESS_KEY": "aws-secret-4b9c0e",
        "GITHUB_TOKEN": "ghp_secretsecret1234",
        "HTTPS_PROXY": "http://user:proxy-pass-77@proxy.example:3128",
        "DATABASE_PASSWORD": "db-pass-3c2f",
    }
    for name, value in secrets.items():
        monkeypatch.setenv(name, value)
    assert_same(parser.read(bodies[0]), read_sync_answer(bodies[0]))
    pid = the_helper()  # alive, waiting for the next frame
    environ = Path(f"/proc/{pid}/environ").read_bytes()
    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    names = {entry.split(b"=", 1)[0].decode() for entry in environ.split(b"\0") if entry}
    assert names <= {"PYTHONPATH", "PYTHONDONTWRITEBYTECODE"}
    for name, value in secrets.items():
        assert value.encode() not in environ, name
        assert value.encode() not in cmdline, name
        assert name.encode() not in environ
    assert cmdline.split(b"\0")[:-1] == [
        sys.executable.encode(),
        b"-P",
        b"-m",
        b"finder_tui.wire.parse_worker",
    ]
    fds = sorted(int(fd.name) for fd in Path(f"/proc/{pid}/fd").iterdir())
    assert fds == [0, 1, 2]  # no socket, store file or pipe of ours
    assert parser.pages_in_helper == 1


# ---- a helper that fails ---------------------------------------------------------------------


@needs_proc
def test_a_helper_killed_between_reads_is_replaced_by_reading_here(
    bodies: list[bytes], parser: PageParser
) -> None:
    assert_same(parser.read(bodies[0]), read_sync_answer(bodies[0]))
    os.kill(the_helper(), signal.SIGKILL)
    for body in bodies[1:]:
        assert_same(parser.read(body), read_sync_answer(body))
    assert parser.pages_in_helper == 1
    assert child_pids() == []  # the dead helper was reaped and none started again

    parser.close()  # a closed parser stays here: each sync cycle has a parser of its own
    assert_same(parser.read(bodies[2]), read_sync_answer(bodies[2]))
    assert parser.pages_in_helper == 1 and child_pids() == []

    fresh = PageParser(min_body=parser.min_body)  # the next cycle's parser tries a helper again
    try:
        assert_same(fresh.read(bodies[2]), read_sync_answer(bodies[2]))
        assert fresh.pages_in_helper == 1 and len(child_pids()) == 1
    finally:
        fresh.close()


@needs_proc
def test_a_helper_that_reads_and_never_answers_times_out_and_the_page_is_read_here(
    bodies: list[bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_worker(
        tmp_path,
        monkeypatch,
        """
        import sys
        while sys.stdin.buffer.read(65536):
            pass  # swallow every frame, answer none; leave at the end of input
        """,
    )
    parser = PageParser(min_body=1000, timeout=0.5)
    try:
        for body in bodies:
            assert_same(parser.read(body), read_sync_answer(body))
        assert parser.pages_in_helper == 0
        assert child_pids() == []  # given up on and reaped after the first timeout
    finally:
        parser.close()
    assert child_pids() == []


@needs_proc
def test_a_helper_that_never_reads_times_out_writing_and_the_page_is_read_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_worker(tmp_path, monkeypatch, "import time\ntime.sleep(120)\n")
    items = generate_items(sessions=3, messages=600, seed=8)  # ~500 kB: more than a pipe holds
    body = read_body(items)
    assert len(body) > 256 * 1024
    parser = PageParser(min_body=1000, timeout=0.5)
    try:
        assert_same(parser.read(body), read_sync_answer(body))
        assert parser.pages_in_helper == 0
        assert child_pids() == []  # killed after it ignored the closed pipe
    finally:
        parser.close()


GARBAGE_WORKER = """
import struct, sys
answer = {payload!r}
stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
while len(head := stdin.read(4)) == 4:
    stdin.read(struct.unpack(">I", head)[0])
    stdout.write({framing})
    stdout.flush()
"""
WHOLE_FRAME = 'struct.pack(">I", len(answer)) + answer'
ROW = '["k",1,"s@findermsg","p",false,1,1,1,"text","t",{{}},{raw},"me"]'
PAGE = '{{"c":"1000","m":"","p":"","k":"CAE=","n":1,"ms":[{row}],"rj":[]}}'


@needs_proc
@pytest.mark.parametrize(
    ("payload", "framing"),
    [
        (b"this is not json", WHOLE_FRAME),
        (b"[1, 2, 3]", WHOLE_FRAME),
        (b"null", WHOLE_FRAME),
        (b'{"c":"1000"}', WHOLE_FRAME),
        (b'{"c":"1000","m":"","p":"","k":"CAE=","n":1,"ms":[[1,2]],"rj":[]}', WHOLE_FRAME),
        (b"\xff\xfe binary", WHOLE_FRAME),
        (b"cut short", 'struct.pack(">I", 1000) + answer'),  # then waits for input: a timeout
        (b"", 'b"\\x00"'),  # half a length, then waits: a timeout
        pytest.param(
            PAGE.format(row=ROW.format(raw="12345")).encode(),
            WHOLE_FRAME,
        ),
        pytest.param(
            b'{"c":"1000","m":"","p":""}',
            WHOLE_FRAME,
        ),
        pytest.param(
            b'{"c":"1000","m":"","p":null}',
            WHOLE_FRAME,
        ),
        pytest.param(
            PAGE.format(row=ROW.format(raw='"{}"').replace('"k",1', '"k","not a number"')).encode(),
            WHOLE_FRAME,
        ),
    ],
    ids=[
        "text",
        "list",
        "null",
        "no-fields",
        "short-row",
        "binary",
        "frame-cut-short",
        "half-a-length",
        "raw-not-a-string",
        "success-without-page",
        "problem-null",
        "id-not-a-number",
    ],
)
def test_a_helper_that_answers_garbage_is_replaced_by_reading_here(
    bodies: list[bytes],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    payload: bytes,
    framing: str,
) -> None:
    fake_worker(tmp_path, monkeypatch, GARBAGE_WORKER.format(payload=payload, framing=framing))
    # Whole frames must be answered (never timed out, even on a loaded machine); a frame cut
    # short is only noticed by the timeout.
    parser = PageParser(min_body=1000, timeout=20.0 if framing == WHOLE_FRAME else 0.5)
    try:
        for body in bodies[:3]:
            got = parser.read(body)
            assert_same(got, read_sync_answer(body))
        assert parser.pages_in_helper == 0
        assert child_pids() == []
    finally:
        parser.close()


@needs_proc
@pytest.mark.parametrize(
    "args",
    [
        ("-c", "import sys; sys.exit(3)"),
        ("/no/such/worker-script.py",),
        ("-c", "import os; os.close(0)"),
    ],
    ids=["exits-at-once", "no-such-script", "closes-its-input"],
)
def test_a_helper_that_cannot_start_or_exits_at_once_leaves_the_page_to_this_process(
    bodies: list[bytes], monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...]
) -> None:
    monkeypatch.setattr(parse_process, "WORKER_ARGS", args)
    parser = PageParser(min_body=1000, timeout=2.0)
    try:
        for body in bodies:
            assert_same(parser.read(body), read_sync_answer(body))
        assert parser.pages_in_helper == 0
    finally:
        parser.close()
    assert child_pids() == []


@needs_proc
def test_a_page_the_helper_cannot_carry_is_read_here_and_the_helper_keeps_working(
    bodies: list[bytes], parser: PageParser
) -> None:
    huge = build_item(
        seq=5,
        create_time=1700000000,
        new_msg_id=9,
        msg_type=3,
        content='<msg><img length="99999999999999999999999"/></msg>',
        from_user="fv1_x@findermsgstranger",
        to_user="wxid_me",
        is_sender=0,
        session_id="x@findermsg",
    )
    body = read_body([huge] + seed_items())
    got = parser.read(body)
    assert_same(got, read_sync_answer(body))
    assert got.page is not None and got.page.messages[0].meta["length"] > 2**64
    assert parser.pages_in_helper == 0  # the helper said "read it yourself"
    assert_same(parser.read(bodies[0]), read_sync_answer(bodies[0]))
    assert parser.pages_in_helper == 1 and len(child_pids()) == 1


# ---- closing ---------------------------------------------------------------------------------


@needs_proc
def test_close_leaves_no_child_process_and_can_be_called_again(
    bodies: list[bytes], parser: PageParser
) -> None:
    PageParser().close()  # nothing started: a no-op
    parser.read(bodies[0])
    pid = the_helper()
    parser.close()
    assert child_pids() == []
    assert not Path(f"/proc/{pid}").exists()  # exited and reaped, no zombie
    parser.close()
    assert_same(parser.read(bodies[1]), read_sync_answer(bodies[1]))  # read here, no helper
    assert child_pids() == []


def open_fds() -> set[int]:
    return {int(fd.name) for fd in Path("/proc/self/fd").iterdir()}


@needs_proc
def test_close_and_giving_up_leave_no_pipe_of_the_helper_open(
    bodies: list[bytes], parser: PageParser
) -> None:
    before = open_fds()
    parser.read(bodies[0])
    assert len(open_fds() - before) >= 2  # our ends of its stdin and stdout
    parser.close()
    assert open_fds() - before == set()

    second = PageParser(min_body=parser.min_body)
    second.read(bodies[1])
    os.kill(the_helper(), signal.SIGKILL)
    assert_same(second.read(bodies[2]), read_sync_answer(bodies[2]))  # gives up on it
    assert open_fds() - before == set() and child_pids() == []


@needs_proc
def test_a_process_with_many_open_files_still_reads_big_pages(bodies: list[bytes]) -> None:
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 1100:
        pytest.skip("the open-files limit is too low to hold 1024 descriptors")
    filler: list[int] = []
    parser = PageParser(min_body=1000, timeout=20.0)
    try:
        while not filler or filler[-1] < 1030:  # the helper's pipes come above 1024
            filler.append(os.open(os.devnull, os.O_RDONLY))
        for body in bodies:
            assert_same(parser.read(body), read_sync_answer(body))
    finally:
        parser.close()
        for fd in filler:
            os.close(fd)
    assert child_pids() == []


@needs_proc
def test_modules_in_the_users_current_directory_never_run_in_the_helper(
    bodies: list[bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = tmp_path / "ran"
    planted = f"open({str(marker)!r}, 'w').close()\nraise ImportError('planted')\n"
    (tmp_path / "orjson.py").write_text(planted)
    (tmp_path / "finder_tui").mkdir()
    (tmp_path / "finder_tui" / "__init__.py").write_text(planted)
    monkeypatch.chdir(tmp_path)
    parser = PageParser(min_body=1000)
    try:
        assert_same(parser.read(bodies[0]), read_sync_answer(bodies[0]))
        assert parser.pages_in_helper == 1  # the real worker answered
    finally:
        parser.close()
    assert not marker.exists()


@needs_proc
def test_an_exchange_cut_by_an_unexpected_error_never_hands_its_answer_to_the_next_page(
    bodies: list[bytes], parser: PageParser, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = PageParser._read_exact
    calls = 0

    def failing_once(self: PageParser, fd: int, size: int, deadline: float) -> bytes:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise MemoryError
        return real(self, fd, size, deadline)

    monkeypatch.setattr(PageParser, "_read_exact", failing_once)
    with pytest.raises(MemoryError):
        parser.read(bodies[0])
    assert child_pids() == []  # the helper holding bodies[0]'s answer is gone
    assert_same(parser.read(bodies[1]), read_sync_answer(bodies[1]))


@needs_proc
def test_a_read_waiting_behind_close_starts_no_new_helper(
    bodies: list[bytes], parser: PageParser
) -> None:
    parser.read(bodies[0])
    with parser._lock:  # another reader's exchange holds the lock
        late = threading.Thread(target=parser.read, args=(bodies[1],))
        late.start()  # passes the unlocked check, then waits for the lock
        time.sleep(0.2)
        parser._closed = True  # what close() does once it has the lock, before the late read
        parser._stop()
    late.join(5)
    assert not late.is_alive()
    assert child_pids() == [] and parser.pages_in_helper == 1


@needs_proc
def test_the_helpers_pipes_hold_a_whole_page_so_it_crosses_in_one_read(
    bodies: list[bytes], parser: PageParser
) -> None:
    import fcntl

    get_size = getattr(fcntl, "F_GETPIPE_SZ", 1032)
    parser.read(bodies[0])
    proc = parser._proc
    assert proc is not None and proc.stdin is not None and proc.stdout is not None
    for pipe in (proc.stdin, proc.stdout):
        assert fcntl.fcntl(pipe.fileno(), get_size) >= 1 << 20
