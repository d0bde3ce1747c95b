"""The headless CLI, in-process through ``main(argv)`` and as ``python -m finder_tui``."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest

from finder_tui.cli import main
from finder_tui.demo import DemoServer, generate_items, seed_items
from finder_tui.demo.data import build_item
from finder_tui.store import Store
from tests.conftest import FIXTURES, TOKEN, WID

SUCCESS = FIXTURES / "syncFinder-success.json"
FAILURE = FIXTURES / "syncFinder-failure.json"
SHOP = "a37c87fbfb8c07ca21d29bea6e3feef1cd740982cfda8407bde2dc2ccbba7f0c@findermsg"
STRANGER = "cb68e6952228400339575a83b40f5a12cdfae818b3164eb999b609e90e139d0a@findermsg"
ServerFactory = Callable[..., DemoServer]
HOSTILE = ["\x1b]52;c;aGk=\x07", "\x1b[2J", "\u202eevil.exe\u202c 点我", "a\x9b31mb\x7f"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_module(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "finder_tui", *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


@pytest.fixture()
def imported(store_dir: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    code, out, err = run(capsys, "import", str(SUCCESS), "--store", str(store_dir), "--json")
    assert code == 0, err
    assert json.loads(out) == {"files": 1, "new": 19, "duplicates": 0, "rejected": 0}
    return store_dir


def hostile_file(tmp_path: Path) -> Path:
    items = [
        build_item(
            seq=2000 + i,
            create_time=1700000000 + i,
            new_msg_id=18446744073709551615 - i,
            msg_type=1,
            content=text,
            from_user="fv1_evil\x1b[31m@findermsgstranger",
            to_user="me",
            is_sender=0,
            session_id="evil0001@findermsg",
        )
        for i, text in enumerate(HOSTILE)
    ]
    path = tmp_path / "hostile.json"
    path.write_bytes(orjson.dumps(items))
    return path


# ---- import, stats, sessions, show -----------------------------------------------------------


def test_stats_after_import(imported: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "stats", "--store", str(imported), "--json")
    assert code == 0, err
    stats = json.loads(out)
    assert stats["messages"] == 8
    assert stats["notices"] == 11
    assert stats["sessions"] == 3
    assert stats["live_streams"] == 8
    assert stats["live_now"] == 0
    assert stats["cursor"] == {"1": 1242, **{str(k): 0 for k in range(2, 10)}}
    assert list(stats["cursor"]) == [str(k) for k in range(1, 10)]
    assert stats["store"] == str(imported)

    code, out, _ = run(capsys, "stats", "--store", str(imported))
    assert code == 0 and "1242" in out and "sessions: 3" in out


def test_import_twice_counts_duplicates(imported: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "import", str(SUCCESS), "--store", str(imported))
    assert code == 0
    assert out.strip() == "imported 1 file(s): 0 new, 19 duplicates, 0 rejected"


def test_sessions_json(imported: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "sessions", "--store", str(imported), "--json")
    assert code == 0, err
    sessions = json.loads(out)
    assert [s["session_id"] for s in sessions][0] == SHOP  # the newest message is the shop's
    by_id = {s["session_id"]: s for s in sessions}
    assert len(by_id) == 3
    assert by_id[SHOP]["count"] == 4 and by_id[SHOP]["unread"] == 0
    assert by_id[STRANGER]["count"] == 3 and by_id[STRANGER]["unread"] == 2
    assert [s["last_time"] for s in sessions] == sorted(
        (s["last_time"] for s in sessions), reverse=True
    )
    assert by_id[SHOP]["preview"].startswith("[image")

    code, out, _ = run(capsys, "sessions", "--store", str(imported))
    assert code == 0 and len(out.strip().splitlines()) == 3


def test_show_json_has_exact_ids(imported: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "show", "a37c87fb", "--store", str(imported), "--json")
    assert code == 0, err
    assert re.search(r'"new_msg_id":\s*9008843899058959155[,\s]', out)
    assert re.search(r'"new_msg_id":\s*4843736772799698894[,\s]', out)
    messages = json.loads(out)
    assert [m["new_msg_id"] for m in messages] == [
        4843736772799698894,
        4158984959254538946,
        9008843899058959155,
        1320079851330145539,
    ]
    assert [m["kind"] for m in messages] == ["text", "text", "image", "image"]
    assert all(m["is_sender"] for m in messages)


def test_show_big_ids_exact(
    tmp_path: Path, store_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "import", str(hostile_file(tmp_path)), "--store", str(store_dir))
    assert code == 0, err
    code, out, _ = run(capsys, "show", "evil0001", "--store", str(store_dir), "--json")
    assert code == 0
    assert '"new_msg_id": 18446744073709551615' in out
    assert {m["new_msg_id"] for m in json.loads(out)} == {
        18446744073709551615 - i for i in range(4)
    }


def test_show_plain_is_inert(
    tmp_path: Path, store_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "import", str(hostile_file(tmp_path)), "--store", str(store_dir))
    assert code == 0, err
    for needle in ("evil0001", "evil0001@findermsg"):
        code, out, err = run(capsys, "show", needle, "--store", str(store_dir))
        assert code == 0, err
        assert len(out.strip().splitlines()) == 4
        for bad in ("\x1b", "\x07", "\x9b", "\x7f", "\u202e", "\u202c"):
            assert bad not in out
        assert "]52;c;aGk=" in out and "[2J" in out and "evil.exe 点我" in out
    code, out, _ = run(capsys, "sessions", "--store", str(store_dir))
    assert code == 0 and "\x1b" not in out


def test_show_plain_seed(imported: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "show", STRANGER[:12], "--store", str(imported))
    assert code == 0
    lines = out.strip().splitlines()
    assert len(lines) == 3
    assert "哈喽" in lines[-1]


def test_unknown_session(imported: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "show", "nope-does-not-exist", "--store", str(imported))
    assert code == 1
    assert out == ""
    assert err.strip() == "finder-tui: no session matches 'nope-does-not-exist'"


def test_ambiguous_session(imported: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "show", "", "--store", str(imported))
    assert code == 1
    assert "several sessions" in err


def test_import_non_json(
    tmp_path: Path, store_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "notes.txt"
    bad.write_text("this is not JSON {", "utf-8")
    code, out, err = run(capsys, "import", str(bad), "--store", str(store_dir))
    assert code == 1
    assert out == ""
    assert err.startswith(f"finder-tui: {bad}: not JSON")
    assert len(err.strip().splitlines()) == 1


def test_import_failure_answer_and_missing_file(
    tmp_path: Path, store_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "import", str(FAILURE), "--store", str(store_dir))
    assert code == 1 and "failure" in err and "1001" in err
    missing = tmp_path / "missing.json"
    code, _, err = run(capsys, "import", str(missing), "--store", str(store_dir))
    assert code == 1 and f"cannot read {missing}" in err


def test_store_in_use(imported: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with Store.open(imported):
        code, _, err = run(capsys, "stats", "--store", str(imported))
    assert code == 1
    assert "in use" in err and len(err.strip().splitlines()) == 1


def test_store_flag_before_the_subcommand(
    imported: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "--store", str(imported), "stats", "--json")
    assert code == 0, err
    assert json.loads(out)["store"] == str(imported)
    assert json.loads(out)["messages"] == 8


def test_store_from_environment(
    imported: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FINDER_TUI_STORE", str(imported))
    code, out, _ = run(capsys, "stats", "--json")
    assert code == 0 and json.loads(out)["sessions"] == 3


def test_export_json(imported: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "shop.json"
    code, _, err = run(
        capsys,
        "export",
        SHOP[:10],
        "--format",
        "json",
        "--out",
        str(target),
        "--store",
        str(imported),
    )
    assert code == 0, err
    text = target.read_text("utf-8")
    assert "9008843899058959155" in text
    assert "9.008843899058959e" not in text


def test_export_json_import_round_trip_via_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """JSON export → import into an empty store → ``show --json`` identical."""
    fixtures = FIXTURES / "syncFinder-success.json"
    first, second = tmp_path / "a", tmp_path / "b"
    assert main(["import", "--store", str(first), str(fixtures)]) == 0
    out = tmp_path / "conv.json"
    assert (
        main(["export", "a37c", "--store", str(first), "--format", "json", "--out", str(out)]) == 0
    )
    assert main(["import", "--store", str(second), str(out)]) == 0
    capsys.readouterr()
    assert main(["show", "a37c", "--json", "--store", str(first)]) == 0
    original = capsys.readouterr().out
    assert main(["show", "a37c", "--json", "--store", str(second)]) == 0
    assert capsys.readouterr().out == original
    assert len(orjson.loads(original)) == 4
    assert os.path.getsize(out) > 0


# ---- sync ------------------------------------------------------------------------------------


def test_sync_once_json_in_process(
    demo_server: ServerFactory,
    server_env: Callable[..., dict[str, str]],
    store_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = demo_server(
        seed_items() + generate_items(sessions=3, messages=200, seed=6), page_size=50
    )
    server_env(server)
    code, out, err = run(capsys, "sync", "--once", "--json", "--store", str(store_dir))
    assert code == 0, err
    summary = json.loads(out)
    assert set(summary) == {"new", "duplicates", "rejected", "pages", "seconds"}
    assert (summary["new"], summary["duplicates"], summary["rejected"]) == (219, 0, 0)
    assert summary["pages"] == 6
    assert isinstance(summary["seconds"], float | int)
    assert TOKEN not in err

    code, out, _ = run(capsys, "sync", "--once", "--store", str(store_dir))
    assert code == 0
    assert out.startswith("synced: 0 new, 0 duplicates, 0 rejected, 1 page in ")


def test_sync_default_store_is_per_account(
    demo_server: ServerFactory,
    server_env: Callable[..., dict[str, str]],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    server = demo_server()
    server_env(server)
    code, _, err = run(capsys, "sync", "--once", "--json")
    assert code == 0, err
    code, out, _ = run(capsys, "stats", "--json")
    store = Path(json.loads(out)["store"])
    assert json.loads(out)["messages"] == 8
    assert store.is_relative_to(tmp_path)  # under the isolated XDG_DATA_HOME
    assert WID in store.name


def test_sync_subprocess_and_token_not_in_store(
    demo_server: ServerFactory, server_env: Callable[..., dict[str, str]], store_dir: Path
) -> None:
    server = demo_server(
        seed_items() + generate_items(sessions=4, messages=300, seed=8), page_size=64
    )
    env = server_env(server)
    proc = run_module("sync", "--once", "--json", "--store", str(store_dir), env=env)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["new"] == 319 and summary["rejected"] == 0
    assert summary["pages"] == 6
    assert TOKEN not in proc.stdout + proc.stderr
    files = [p for p in store_dir.rglob("*") if p.is_file()]
    assert {"head.json", "lock"} <= {p.name for p in files}
    for path in files:
        data = path.read_bytes()
        assert TOKEN.encode() not in data, path
        assert TOKEN.encode("utf-16-le") not in data, path

    proc = run_module("stats", "--json", "--store", str(store_dir), env=env)
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["cursor"]["1"] == server.items[-1]["content"]["seq"]


def test_sync_wrong_token_subprocess(
    demo_server: ServerFactory, server_env: Callable[..., dict[str, str]], store_dir: Path
) -> None:
    server = demo_server()
    bad = "Wr0ng-token-8d2b1f-do-not-print"
    env = server_env(server, token=bad)
    proc = run_module("sync", "--once", "--store", str(store_dir), env=env)
    assert proc.returncode != 0
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("finder-tui: ")
    assert "Traceback" not in proc.stderr
    assert bad not in proc.stderr


def test_sync_dead_server_fails_cleanly(
    store_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("FINDER_TUI_BASE_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("FINDER_TUI_WID", WID)
    monkeypatch.setenv("FINDER_TUI_TOKEN", TOKEN)
    code, out, err = run(capsys, "sync", "--once", "--store", str(store_dir))
    assert code == 1 and out == ""
    assert "sync failed after" in err and TOKEN not in err
    assert len(err.strip().splitlines()) == 1


def test_token_flag_warns(
    demo_server: ServerFactory,
    store_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = demo_server()
    code, out, err = run(
        capsys,
        "sync",
        "--once",
        "--json",
        "--base-url",
        server.url,
        "--wid",
        WID,
        "--token",
        TOKEN,
        "--store",
        str(store_dir),
    )
    assert code == 0, err
    assert "shell history" in err and "FINDER_TUI_TOKEN" in err
    assert TOKEN not in err
    assert json.loads(out)["new"] == 19


def test_sync_missing_settings_is_usage_error(
    store_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "sync", "--once", "--store", str(store_dir))
    assert code == 2
    assert "missing" in err and "FINDER_TUI_TOKEN" in err


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.startswith("finder-tui ")
    for sub in ("sync", "import", "stats", "sessions", "show", "export"):
        with pytest.raises(SystemExit) as info:
            main([sub, "--help"])
        assert info.value.code == 0
        assert "usage:" in capsys.readouterr().out


def test_store_path_is_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    not_a_dir = tmp_path / "plain-file"
    not_a_dir.write_text("x", "utf-8")
    code, out, err = run(capsys, "stats", "--store", str(not_a_dir))
    assert code == 1 and out == ""
    assert str(not_a_dir) in err and len(err.strip().splitlines()) == 1
    assert not_a_dir.read_text("utf-8") == "x"


def test_polling_sync_survives_a_transient_error(
    demo_server: ServerFactory, server_env: Callable[..., dict[str, str]], store_dir: Path
) -> None:
    # Without --once, sync polls until stopped: one failed request (a 500, a busy answer, a
    # network blip) must be retried with backoff, not end the poller.
    server = demo_server(faults="500=1")
    env = server_env(server)
    argv = [sys.executable, "-m", "finder_tui", "sync", "--poll-interval", "0.5"]
    proc = subprocess.Popen(
        [*argv, "--store", str(store_dir)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout or ()), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 20
        while server.requests == 0 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        server.set_faults(None)  # the server recovers after the first failed request
        while proc.poll() is None and time.monotonic() < deadline:
            if any("  synced: 19 new" in line for line in list(lines)):
                break
            time.sleep(0.05)
        exited = proc.poll()
    finally:
        proc.kill()
        _, err = proc.communicate(timeout=30)
    assert exited is None, f"the poller exited ({exited}) on a transient error: {err.strip()}"
    assert any("  synced: 19 new" in line for line in lines)


def test_token_with_stray_whitespace_does_not_leak(
    demo_server: ServerFactory,
    server_env: Callable[..., dict[str, str]],
    store_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = demo_server()
    server_env(server, token=TOKEN + " ")  # as pasted into an export line
    code, out, err = run(capsys, "sync", "--once", "--store", str(store_dir))
    assert TOKEN not in out + err
    assert len(err.strip().splitlines()) <= 1
    assert code in (0, 1, 2)
