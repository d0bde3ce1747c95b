"""The CLI speaks the UI's language: sessions by name or short id, clear export errors,
readable stats and sync lines, a checked keymap, spreadsheet-safe CSV."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from finder_tui.cli import main
from finder_tui.demo import DemoServer, seed_items
from finder_tui.demo.data import sessions_of
from finder_tui.demo.people import nickname_for
from tests.conftest import FIXTURES

ServerFactory = Callable[..., DemoServer]
SUCCESS = FIXTURES / "syncFinder-success.json"
STRANGER_PEER = next(s.peer for s in sessions_of(seed_items()) if "stranger" in s.peer)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def export_then_import(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, session: str, store: Path
) -> Path:
    """Export one session as JSON and import it into a fresh store; returns that store."""
    export = tmp_path / "e.json"
    code, _, err = run(
        capsys, "export", session, "--format", "json", "--out", str(export), "--store", str(store)
    )
    assert code == 0, err
    other = tmp_path / "other"
    code, _, err = run(capsys, "import", str(export), "--store", str(other))
    assert code == 0, err
    return other


@pytest.fixture()
def named(
    demo_server: ServerFactory,
    server_env: Callable[..., dict[str, str]],
    store_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> Path:
    """A store synced from the demo server, every peer named."""
    server_env(demo_server())
    code, _, err = run(capsys, "sync", "--once", "--store", str(store_dir))
    assert code == 0, err
    return store_dir


def _show_count(capsys: pytest.CaptureFixture[str], store: Path, needle: str) -> int:
    code, out, err = run(capsys, "show", needle, "--store", str(store), "--json")
    assert code == 0, err
    return len(json.loads(out))


def test_a_session_is_found_by_its_peers_short_id_as_the_ui_shows_it(
    named: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    short = STRANGER_PEER.split("@")[0][:8]  # "fv1_" + 4 hex: what the list shows
    assert _show_count(capsys, named, short) == 3


def test_a_session_is_found_by_nickname_exact_or_by_a_unique_prefix_in_any_case(
    named: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nickname = nickname_for(STRANGER_PEER)
    assert _show_count(capsys, named, nickname) == 3
    code, out, err = run(capsys, "sessions", "--store", str(named))
    assert nickname in out and "(as Channels)" in out and "(as WeChat)" in out


def test_a_session_is_found_by_alias_case_insensitively(
    named: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from finder_tui.store import Store

    with Store.open(named) as store:
        sid = next(s.session_id for s in store.index.sessions() if s.peer == STRANGER_PEER)
        store.set_alias(sid, "Lucky Customer")
    assert _show_count(capsys, named, "lucky cust") == 3
    assert _show_count(capsys, named, "LUCKY CUSTOMER") == 3


def test_an_ambiguous_name_lists_the_candidates(
    named: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "show", "v2_", "--store", str(named))
    assert code == 1 and out == ""
    assert "matches several sessions (2)" in err
    listed = [line for line in err.splitlines() if line.startswith("  ")]
    assert len(listed) == 2 and all(" · " in line or line.strip() for line in listed)


def test_export_with_since_after_until_is_a_one_line_usage_error(
    named: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ("export", "fv1_", "--since", "2026-02-01", "--until", "2026-01-01")
    code, out, err = run(capsys, *argv, "--store", str(named))
    assert code == 2 and out == ""
    assert err.strip() == "finder-tui: --since 2026-02-01 is after --until 2026-01-01"


def test_export_to_standard_output_with_out_dash(
    named: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys, "export", "fv1_", "--format", "json", "--out", "-", "--store", str(named)
    )
    assert code == 0, err
    doc = json.loads(out)
    assert doc["count"] == 3 and doc["session"]["display_name"] == nickname_for(STRANGER_PEER)
    assert not list(Path.cwd().glob("finder-*.json"))


def test_an_empty_range_says_so_on_stderr_and_fails(
    named: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_file = tmp_path / "x.md"
    argv = ("export", "fv1_", "--since", "2001-01-01", "--until", "2001-01-02")
    code, out, err = run(capsys, *argv, "--out", str(out_file), "--store", str(named))
    assert code == 1 and out == ""
    assert "no messages between 2001-01-01 and 2001-01-02" in err
    assert not out_file.exists()
    code, _, err = run(
        capsys, "export", "--all", "--out", str(tmp_path / "d"), "--since", "2001-01-01",
        "--until", "2001-01-02", "--store", str(named),
    )  # fmt: skip
    assert code == 1 and "nothing exported" in err


def test_csv_export_has_a_bom_and_exact_ids_for_spreadsheets_by_default(
    named: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "c.csv"
    code, out, err = run(
        capsys, "export", "fv1_", "--format", "csv", "--out", str(path), "--store", str(named)
    )
    assert code == 0, err and out
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert all(re.fullmatch(r'="\d{1,20}"', r["new_msg_id"]) for r in rows)
    plain = tmp_path / "p.csv"
    code, _, _ = run(
        capsys, "export", "fv1_", "--format", "csv", "--no-bom", "--out", str(plain),
        "--store", str(named),
    )  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(plain.read_text("utf-8"))))
    assert code == 0 and all(r["new_msg_id"].isdigit() for r in rows)


def test_stats_prints_local_times_the_cursor_as_pairs_and_names(
    named: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "stats", "--store", str(named))
    assert code == 0, err
    fields = dict(line.strip().split(": ", 1) for line in out.splitlines())
    assert fields["cursor"] == "1=1242"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", fields["last_success"])
    assert fields["names"] == "3 of 3 peers named"
    assert "key_buff" in fields  # kept for copying, beside the readable cursor


def test_an_unknown_keymap_binding_id_is_a_config_error_naming_file_and_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[keymap]\n"app.quit" = "ctrl+q"\n"app.qiut" = "x"\n', "utf-8")
    monkeypatch.setenv("FINDER_TUI_CONFIG", str(config))
    code, out, err = run(capsys, "--offline", "--store", str(tmp_path / "s"))
    assert code == 2
    assert str(config) in err and "'app.qiut'" in err and "app.quit" in err


def test_importing_a_json_export_keeps_its_alias_and_read_state(
    named: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from finder_tui.store import Store

    with Store.open(named) as store:
        sid = next(s.session_id for s in store.index.sessions() if s.peer == STRANGER_PEER)
        store.set_alias(sid, "老顾客")
        assert store.index.session(sid).unread == 2  # type: ignore[union-attr]
        store.mark_read(sid)
    other = export_then_import(capsys, tmp_path, "老顾客", named)
    with Store.open(other) as store:
        summary = store.index.session(sid)
        assert summary is not None
        assert (summary.alias, summary.unread) == ("老顾客", 0)


def test_importing_a_json_export_shows_its_nickname_at_once_and_refreshes_it_later(
    named: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from finder_tui.store import Store

    other = export_then_import(capsys, tmp_path, STRANGER_PEER[:8], named)
    with Store.open(other) as store:
        contact = store.contacts.get(STRANGER_PEER)
        assert contact is not None
        assert (contact.nickname, contact.fetched_at) == (nickname_for(STRANGER_PEER), 0.0)
        summary = next(s for s in store.index.sessions() if s.peer == STRANGER_PEER)
        assert summary.nickname == nickname_for(STRANGER_PEER)


def test_mark_unread_brings_back_one_unread_message(named: Path) -> None:
    from finder_tui.store import Store

    with Store.open(named) as store:
        sid = next(s.session_id for s in store.index.sessions() if s.peer == STRANGER_PEER)
        store.mark_read(sid)
        assert store.mark_unread(sid) is True
        assert store.index.session(sid).unread == 1  # type: ignore[union-attr]
        assert store.mark_unread(sid) is False  # already unread: nothing to do
    with Store.open(named) as store:
        assert store.index.session(sid).unread == 1  # type: ignore[union-attr]
