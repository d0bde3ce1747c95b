"""Command-line front of the demo server (used by ``finder-tui demo`` and ``-m finder_tui.demo``)."""

from __future__ import annotations

import argparse
import secrets
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any, TextIO

from finder_tui.demo.data import default_demo_items, seed_items
from finder_tui.demo.faults import FaultSpec
from finder_tui.demo.generator import GeneratedHistory
from finder_tui.demo.server import DemoServer


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the demo server's options to ``parser``."""
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (default 0: a free one)")
    parser.add_argument("--token", default=None, help="Authorization token (default: random)")
    parser.add_argument("--wid", default="demo-wid", help="the wId to accept (default demo-wid)")
    parser.add_argument("--sessions", type=_positive, default=12, help="sessions (default 12)")
    parser.add_argument(
        "--messages",
        type=_non_negative,
        default=400,
        help="generated items after the seed's 19 (default 400)",
    )
    parser.add_argument("--seed", type=int, default=7, help="random seed for data and faults")
    parser.add_argument("--page-size", type=_positive, default=100, help="items per answer")
    parser.add_argument(
        "--live-every",
        type=_positive_float,
        default=None,
        metavar="SECONDS",
        help="append a new message or live notice every SECONDS (default: off)",
    )
    parser.add_argument(
        "--peer-replies",
        type=float,
        default=0.5,
        metavar="P",
        help="probability that a peer answers a sent message a few seconds later (default 0.5)",
    )
    parser.add_argument(
        "--faults",
        default=None,
        metavar="SPEC",
        help="e.g. '1001=0.1,500=0.1,slow=0.05,truncated=0.05,duplicate=0.05,malformed=0.1' "
        "or 'all=0.3'; sends only: send_fail=P, send_timeout=P, send_drop=P; "
        "also seed=N, slow_seconds=S, send_timeout_seconds=S",
    )


def run(
    args: argparse.Namespace, *, stop: threading.Event | None = None, out: TextIO | None = None
) -> int:
    """Serve until Ctrl-C, SIGTERM or ``stop`` is set; print how to connect. Returns 0."""
    out = out or sys.stdout
    try:
        faults = FaultSpec.parse(args.faults, seed=args.seed) if args.faults else None
    except ValueError as exc:
        print(f"finder-tui demo: --faults: {exc}", file=sys.stderr)
        return 2
    token = args.token or secrets.token_urlsafe(24)
    stop = stop or threading.Event()
    server = DemoServer(
        token=token,
        wid=args.wid,
        **demo_data(args.sessions, args.messages, args.seed),
        page_size=args.page_size,
        faults=faults,
        live_every=args.live_every,
        live_seed=args.seed,
        peer_replies=args.peer_replies,
        host=args.host,
        port=args.port,
    )
    with server, _on_sigterm(stop.set):
        _announce(server, token, faults, out)
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
    print("demo server stopped", file=out, flush=True)
    return 0


# Up to this many items the exact list of ``generate_items`` is built (well under a second);
# past it, pages are generated on demand from the seed (flat memory at any size).
BUILT_UP_TO = 5_000


def demo_data(sessions: int, messages: int, seed: int) -> dict[str, Any]:
    """``items=`` or ``source=`` for a DemoServer serving that inbox."""
    if messages <= BUILT_UP_TO:
        return {"items": default_demo_items(sessions, messages, seed)}
    history = GeneratedHistory(sessions=sessions, messages=messages, seed=seed)
    return {"items": seed_items(), "source": history}


def _announce(server: DemoServer, token: str, faults: FaultSpec | None, out: TextIO) -> None:
    # The one place the demo's own (throwaway) token is printed on purpose.
    lines = [
        f"finder-tui demo server on {server.url}  ({server.item_count:,} items)",
        f"  wId:   {server.wid}",
        f"  token: {token}",
    ]
    if faults is not None:
        lines.append(f"  faults: {faults!r}")
    lines += [
        "Use it with:",
        f"  FINDER_TUI_BASE_URL={server.url} FINDER_TUI_WID={server.wid} FINDER_TUI_TOKEN={token}",
        "Ctrl-C to stop.",
    ]
    print("\n".join(lines), file=out, flush=True)


class _on_sigterm:
    """Route SIGTERM to ``callback`` while active (main thread only; elsewhere a no-op)."""

    def __init__(self, callback: Callable[[], None]) -> None:
        self._callback = callback
        self._previous: Any = None
        self._installed = False

    def __enter__(self) -> None:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGTERM, lambda *_: self._callback())
            self._installed = True

    def __exit__(self, *exc: object) -> None:
        if self._installed:
            signal.signal(signal.SIGTERM, self._previous)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be >= 1")
    return value


def _non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be >= 0")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError("must be > 0")
    return value
