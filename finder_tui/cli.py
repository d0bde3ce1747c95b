"""``finder-tui``: the inbox (default) and the headless commands."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from . import __version__, media_cli, send_cli
from . import service_events as ev
from .alerts import with_hooks
from .client import FinderClient, SyncError
from .config import ConfigError, settings_from_args
from .importer import ImportFormatError, newer_cursor, read_capture, restore_session
from .people import NameResolver, names_client_config
from .store import StoreError
from .store import check as store_check
from .store.lookup import SessionLookupError
from .store_cli import cmd_sessions, cmd_show, cmd_stats, open_store, print_json
from .sync import Backoff, SyncEngine, SyncReport
from .textfmt import plural, stamped

EXIT_FAILURE, EXIT_USAGE = 1, 2


class CliError(Exception):
    """A one-line error for the user; the exit code rides along."""

    def __init__(self, message: str, code: int = EXIT_FAILURE) -> None:
        super().__init__(message)
        self.code = code


# Subcommands repeat the global options with SUPPRESS defaults, so a value given before the
# subcommand (``finder-tui --store X stats``) is not overwritten by the subparser's None.
def _add_store(parser: argparse.ArgumentParser, sub: bool = True) -> None:
    default = argparse.SUPPRESS if sub else None
    parser.add_argument(
        "--store", metavar="DIR", default=default, help="store directory (env FINDER_TUI_STORE)"
    )


def _add_server(parser: argparse.ArgumentParser, sub: bool = True) -> None:
    default = argparse.SUPPRESS if sub else None
    parser.add_argument("--base-url", default=default, help="server URL (env FINDER_TUI_BASE_URL)")
    parser.add_argument("--wid", default=default, help="login instance id (env FINDER_TUI_WID)")
    parser.add_argument(
        "--token",
        default=default,
        help="Authorization token; prefer env FINDER_TUI_TOKEN (a flag lands in shell history)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="finder-tui",
        description="A terminal inbox for WeChat Channels (视频号) private messages.",
    )
    parser.add_argument("--version", action="version", version=f"finder-tui {__version__}")
    _add_store(parser, sub=False)
    _add_server(parser, sub=False)
    parser.add_argument("--demo", action="store_true", help="run against the embedded demo server")
    parser.add_argument("--offline", action="store_true", help="browse the store, no network")
    parser.add_argument("--poll-interval", type=float, help="seconds between polls (default 5)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    sync = sub.add_parser("sync", help="fetch new messages into the store")
    _add_store(sync)
    _add_server(sync)
    sync.add_argument("--once", action="store_true", help="one catch-up, then exit")
    sync.add_argument("--json", action="store_true", help="print the summary as JSON")
    sync.add_argument(
        "--poll-interval",
        type=float,
        default=argparse.SUPPRESS,
        help="seconds between polls (default 5)",
    )

    imp = sub.add_parser("import", help="ingest saved syncFinder answers or JSON exports")
    _add_store(imp)
    imp.add_argument("files", nargs="+", metavar="FILE")
    imp.add_argument("--json", action="store_true")

    stats = sub.add_parser("stats", help="counts and where sync stands")
    _add_store(stats)
    stats.add_argument("--json", action="store_true")

    sessions = sub.add_parser("sessions", help="list sessions, newest first")
    _add_store(sessions)
    sessions.add_argument("--json", action="store_true")

    show = sub.add_parser("show", help="print one conversation")
    _add_store(show)
    show.add_argument("session", help="session id, a unique prefix of it, an alias or a peer id")
    show.add_argument("--json", action="store_true")

    export = sub.add_parser("export", help="export a conversation (or all)")
    _add_store(export)
    export.add_argument("session", nargs="?", help="session id, unique prefix, alias or peer id")
    export.add_argument("--format", choices=["md", "txt", "json", "csv", "html"], default="md")
    export.add_argument(
        "--out", metavar="PATH", help="file, - for standard output (or a directory with --all)"
    )
    export.add_argument("--since", metavar="YYYY-MM-DD")
    export.add_argument("--until", metavar="YYYY-MM-DD")
    export.add_argument("--all", action="store_true", help="every session, into --out DIR")
    export.add_argument("--include-system", action="store_true", help="include system notices")
    export.add_argument(
        "--bom",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="CSV: UTF-8 BOM so Excel reads Chinese text (default on; --no-bom for tools)",
    )
    export.add_argument("--force", action="store_true", help="overwrite existing files")

    store_check.add_parser(sub, _add_store)
    send_cli.add_parsers(sub, _add_store, _add_server)
    media_cli.add_parser(sub, _add_store, _add_server)

    demo = sub.add_parser("demo-server", help="run the embedded syncFinder server")
    from .demo import cli as demo_cli

    demo_cli.add_arguments(demo)
    return parser


def _warn(text: str) -> None:
    print(f"finder-tui: {text}", file=sys.stderr)


# ---- sync -----------------------------------------------------------------------------------


class _ProgressLine:
    """A one-line progress display on a terminal (stderr), silent otherwise."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()
        self._last = 0.0

    def __call__(self, event: ev.Event) -> None:
        if not self.enabled:
            return
        if isinstance(event, ev.Progress) and time.monotonic() - self._last > 0.1:
            self._last = time.monotonic()
            sys.stderr.write(
                f"\rsyncing: {event.pages} pages, {event.new} new, "
                f"{event.duplicates} duplicates, {event.rejected} rejected"
            )
            sys.stderr.flush()

    def done(self) -> None:
        if self.enabled:
            sys.stderr.write("\r\x1b[K")


def cmd_sync(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    try:
        client_config = settings.client_config()
    except ConfigError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    progress = _ProgressLine()
    backoff = Backoff()
    with (
        open_store(settings) as store,
        FinderClient(client_config) as client,
        FinderClient(names_client_config(client_config)) as names_client,
    ):
        emit = with_hooks(progress, store.index, settings.hooks, settings.token, _warn)
        engine = SyncEngine(client, store, send_cli.reconciling(store, emit))
        names = NameResolver(names_client, store)
        while True:
            report = SyncReport()
            try:
                engine.run_cycle(report)
            except SyncError as exc:
                progress.done()
                if args.once or not exc.retryable:
                    raise CliError(f"sync failed after {report.pages} pages: {exc}") from None
                delay = backoff.next_delay()
                print(
                    stamped(f"sync error: {exc}; retrying in {delay:.0f} s", True), file=sys.stderr
                )
                time.sleep(delay)
                continue
            backoff.reset()
            progress.done()
            _print_report(report, args.json, stamp=not args.once)
            # Then names of new peers (rate-limited), within the wait before the next poll: a
            # continuous sync leaves the rest for the next round rather than delay messages.
            budget = NAMES_BUDGET if args.once else settings.poll_interval
            deadline = time.monotonic() + budget
            if names.run_until_done(deadline) and not args.json:
                sessions = store.index.sessions()
                named = sum(1 for s in sessions if s.nickname)
                line = f"names: {named} of {plural(len(sessions), 'peer')} named"
                print(stamped(line, not args.once))
            store.commit()
            if args.once:
                return 0
            time.sleep(max(0.0, deadline - time.monotonic()))


NAMES_BUDGET = 60.0  # seconds ``sync --once`` may spend naming new peers (~3 a second)


def _print_report(report: SyncReport, as_json: bool, *, stamp: bool = False) -> None:
    if as_json:
        print_json(report.as_dict())
        return
    print(
        stamped(
            f"synced: {report.new} new, {plural(report.duplicates, 'duplicate')}, "
            f"{report.rejected} rejected, {plural(report.pages, 'page')} in "
            f"{report.seconds:.2f} s",
            stamp,
        )
    )
    for rejected in report.rejected_samples[:5]:
        print(f"  rejected: {rejected.reason}: {rejected.excerpt[:120]}")


def cmd_import(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    totals = {"files": 0, "new": 0, "duplicates": 0, "rejected": 0}
    with open_store(settings) as store:
        for name in args.files:
            try:
                capture = read_capture(Path(name).read_bytes())
            except OSError as exc:
                raise CliError(f"cannot read {name}: {exc.strerror or exc}") from None
            except ImportFormatError as exc:
                raise CliError(f"{name}: {exc}") from None
            result = store.ingest(capture.page.messages)
            if capture.session is not None:  # a JSON export: alias, read state, nickname too
                restore_session(store, capture.session)
            if capture.key_buff and newer_cursor(store.key_buff, capture.key_buff):
                store.set_key_buff(capture.key_buff)
            store.commit()
            totals["files"] += 1
            totals["new"] += len(result.new)
            totals["duplicates"] += result.duplicates
            totals["rejected"] += len(capture.page.rejected)
    if args.json:
        print_json(totals)
    else:
        print(
            f"imported {totals['files']} file(s): {totals['new']} new, "
            f"{totals['duplicates']} duplicates, {totals['rejected']} rejected"
        )
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from .export_cli import ExportEmptyError, ExportUsageError, run_export

    with open_store(settings_from_args(args)) as store:
        try:
            return run_export(args, store)
        except SessionLookupError as exc:
            raise CliError(str(exc)) from None
        except ExportUsageError as exc:
            raise CliError(str(exc), EXIT_USAGE) from None
        except ExportEmptyError as exc:
            raise CliError(str(exc)) from None
        except FileExistsError as exc:
            raise CliError(f"{exc.filename} exists; pass --force to overwrite") from None
        except OSError as exc:
            raise CliError(str(exc)) from None


def cmd_check(args: argparse.Namespace) -> int:
    status, lines = store_check.run_check(settings_from_args(args).store_dir(), repair=args.repair)
    print("\n".join(lines))
    return status


def cmd_demo_server(args: argparse.Namespace) -> int:
    from .demo import cli as demo_cli

    return demo_cli.run(args)


def cmd_tui(args: argparse.Namespace) -> int:
    from .tui.launch import launch

    return launch(args)


COMMANDS: dict[str | None, Callable[[argparse.Namespace], int]] = {
    None: cmd_tui,
    "sync": cmd_sync,
    "import": cmd_import,
    "stats": cmd_stats,
    "sessions": cmd_sessions,
    "show": cmd_show,
    "export": cmd_export,
    "check": cmd_check,
    "demo-server": cmd_demo_server,
    "media": media_cli.run,
    "send": send_cli.cmd_send,
    "outbox": send_cli.cmd_outbox,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except CliError as exc:
        print(f"finder-tui: {exc}", file=sys.stderr)
        return exc.code
    except (StoreError, ConfigError, SessionLookupError) as exc:
        print(f"finder-tui: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
