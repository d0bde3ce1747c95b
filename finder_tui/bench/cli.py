"""Argument parsing, running the selected benchmarks, and the table / JSON output."""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence

import orjson

from . import headless, ingest
from .core import INBOX, SESSION, Context, Figure, Sizes, log

Bench = Callable[[Context], list[Figure]]


def _tui(name: str) -> Bench:
    """The app-driving benchmarks import textual: load them only when they run."""

    def run(ctx: Context) -> list[Figure]:
        from . import app_figures as figures

        bench: Bench = getattr(figures, name)
        return bench(ctx)

    return run


# Run order: ingest builds the stores the later ones read; the servers they need start first.
BENCHES: dict[str, tuple[Bench, tuple[str, ...]]] = {
    "ingest": (ingest.run, (INBOX, SESSION)),
    "open": (headless.open_store, (INBOX,)),
    "tui_open": (_tui("first_paint"), (INBOX,)),
    "conversation": (_tui("conversation"), (SESSION,)),
    "responsiveness": (_tui("responsiveness"), (INBOX,)),
    "memory": (_tui("memory"), (INBOX,)),
    "search": (headless.run_search, (INBOX,)),
    "export": (headless.run_export, (SESSION,)),
}


def _only(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in BENCHES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown benchmark {', '.join(unknown) or '(none)'}; choose from {', '.join(BENCHES)}"
        )
    return names


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m finder_tui.bench",
        description="Benchmark finder-tui against the demo server (in a separate process).",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--quick", action="store_true", help="10x smaller data: a smoke run")
    parser.add_argument(
        "--only", type=_only, metavar="NAME,...", help=f"subset of: {', '.join(BENCHES)}"
    )
    parser.add_argument("--page-size", type=int, default=500, help="items per page (default 500)")
    parser.add_argument(
        "--scale",
        choices=["1m", "100k", "10k", "tiny"],
        help="a big account instead: 1m = 1,000,000 items over 1,000 sessions (see bench/scale.py)",
    )
    return parser


def _run_scale(name: str, page_size: int, as_json: bool) -> int:
    import tempfile
    from pathlib import Path

    from . import scale

    started = time.perf_counter()
    size = scale.SCALES[name]
    with tempfile.TemporaryDirectory(prefix="finder-scale-") as root:
        figures = scale.run(size, page_size, Path(root))
    meta = {
        "scale": name,
        "seconds": round(time.perf_counter() - started, 1),
        "page_size": page_size,
        "inbox": f"{size.messages:,} items over {size.sessions:,} sessions",
        "session": "see cli.show_s",
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "server": "finder-tui demo-server in its own process over loopback HTTP",
    }
    if as_json:
        out = {"figures": {f.name: f.as_dict() for f in figures}, "meta": meta}
        print(orjson.dumps(out, option=orjson.OPT_INDENT_2).decode())
    else:
        print(render_table(figures, meta))
    log(f"done in {meta['seconds']} s")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.page_size < 1:
        print("--page-size must be >= 1", file=sys.stderr)
        return 2
    if args.scale:
        return _run_scale(args.scale, args.page_size, args.json)
    sizes = Sizes.quick(args.page_size) if args.quick else Sizes.full(args.page_size)
    selected = [name for name in BENCHES if args.only is None or name in args.only]
    started = time.perf_counter()
    ctx = Context(sizes)
    figures: list[Figure] = []
    try:
        ctx.start_servers(sorted({s for name in selected for s in BENCHES[name][1]}))
        for name in selected:
            figures += BENCHES[name][0](ctx)
    finally:
        ctx.close()
    meta = {
        "quick": args.quick,
        "seconds": round(time.perf_counter() - started, 1),
        "page_size": sizes.page_size,
        "inbox": f"{sizes.inbox_messages} items over {sizes.inbox_sessions} sessions",
        "session": f"{sizes.session_messages} messages in one session",
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "server": "DemoServer in a separate process over loopback HTTP",
    }
    if args.json:
        out = {"figures": {f.name: f.as_dict() for f in figures}, "meta": meta}
        print(orjson.dumps(out, option=orjson.OPT_INDENT_2).decode())
    else:
        print(render_table(figures, meta))
    log(f"done in {meta['seconds']} s")
    return 0


def _number(value: float) -> str:
    if float(value).is_integer() and abs(value) < 1000:
        return str(int(value))
    if value >= 1000:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def render_table(figures: Sequence[Figure], meta: dict[str, object]) -> str:
    rows = [("name", "figure", "unit", "target", "status", "note")]
    for f in figures:
        status = "" if f.ok is None else ("ok" if f.ok else "MISS")
        rows.append((f.name, _number(f.value), f.unit, f.target, status, f.note))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = [
        f"finder-tui bench: inbox {meta['inbox']}; session {meta['session']}; "
        f"page size {meta['page_size']}; {meta['cpus']} CPUs; {meta['server']}",
    ]
    for i, row in enumerate(rows):
        cells = [
            row[0].ljust(widths[0]),
            row[1].rjust(widths[1]),
            row[2].ljust(widths[2]),
            row[3].ljust(widths[3]),
            row[4].ljust(widths[4]),
            row[5],
        ]
        lines.append("  ".join(cells).rstrip())
        if i == 0:
            lines.append("-" * (sum(widths) + 10))
    misses = [f.name for f in figures if f.ok is False]
    lines.append(f"{len(misses)} target(s) missed" + (f": {', '.join(misses)}" if misses else ""))
    return "\n".join(lines)
