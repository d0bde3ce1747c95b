"""``finder-tui check`` points at ``--repair`` for bad segments, and ``--repair`` says what it
moved (a missing segment is said to be missing, not moved)."""

from __future__ import annotations

from pathlib import Path

import pytest

from finder_tui.cli import main
from finder_tui.demo import generate_items
from finder_tui.store import Store
from finder_tui.store.segments import sidecar_path
from finder_tui.wire.models import Message, parse_item


def sealed(store_dir: Path) -> list[str]:
    parsed = [parse_item(item) for item in generate_items(sessions=3, messages=300, seed=4)]
    with Store.open(store_dir, seal_at=40) as store:
        for start in range(0, len(parsed), 50):
            store.ingest([m for m in parsed[start : start + 50] if isinstance(m, Message)])
            store.commit()
        return store.segments


def test_check_names_the_repair_and_repair_says_a_missing_segment_is_missing(
    store_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    names = sealed(store_dir)
    truncated, gone = store_dir / names[0], store_dir / names[1]
    truncated.write_bytes(truncated.read_bytes()[:200])
    gone.unlink()
    assert main(["check", "--store", str(store_dir)]) == 1
    out = capsys.readouterr().out
    assert "check --repair" in out and "start afresh" not in out
    assert f"BAD  {truncated.name}" in out and f"BAD  {gone.name}" in out
    assert main(["check", "--repair", "--store", str(store_dir)]) == 0
    out = capsys.readouterr().out
    assert f"moved aside as {truncated.name}.corrupt, {sidecar_path(truncated).name}.corrupt" in out
    assert f"{gone.name} is missing; moved aside as {sidecar_path(gone).name}.corrupt" in out
    assert main(["check", "--store", str(store_dir)]) == 0
