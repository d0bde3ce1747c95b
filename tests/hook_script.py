"""A real tiny hook for tests: writes its argv and FINDER_TUI_* environment to files."""

from __future__ import annotations

import json
import stat
import sys
from dataclasses import dataclass
from pathlib import Path

SCRIPT = """#!{python}
import json, os, sys, time
out = sys.argv[1]
if os.environ.get("FINDER_TUI_TEXT") == "sleep":
    time.sleep(60)
if os.environ.get("FINDER_TUI_TEXT") == "fail":
    sys.stderr.write("boom")
    sys.exit(3)
record = {{"argv": sys.argv[1:], "env": dict(os.environ)}}
name = "%s-%d.json" % (os.environ.get("FINDER_TUI_EVENT", "none"), os.getpid())
with open(os.path.join(out, name), "w") as fh:
    json.dump(record, fh)
"""


def write_hook(directory: Path) -> tuple[Path, Path]:
    """An executable hook script and the directory it records its runs into."""
    out = directory / "runs"
    out.mkdir(parents=True, exist_ok=True)
    script = directory / "on-event"
    script.write_text(SCRIPT.format(python=sys.executable), encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script, out


@dataclass(frozen=True)
class HookRun:
    argv: list[str]
    env: dict[str, str]


def runs(out: Path) -> list[HookRun]:
    """Every recorded run of the hook, as its argv (after the program) and environment."""
    found = []
    for path in sorted(out.glob("*.json")):
        record = json.loads(path.read_text("utf-8"))
        found.append(HookRun(list(record["argv"]), dict(record["env"])))
    return found
