"""``finder-tui send`` and ``finder-tui outbox``: replying from a shell, with the same outbox.

Exit codes of a send or a retry: 0 sent, 1 failed (nothing reached the server, or refused
before sending), 2 usage, 3 unknown (the request left and no answer came: it may have been
sent; nothing is sent again unless you ``outbox retry`` it).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import datetime
from typing import Any

import orjson

from . import service_events as ev
from .config import ConfigError, settings_from_args
from .outbox import FAILED, SENT, UNKNOWN, Entry, Outbox, OutboxError
from .outbox.book import OUTBOX_FILE
from .outbox_service import DEFAULT_SEND_TIMEOUT, OutboxDesk
from .service_commands import DiscardSend, RetrySend, SendText, SendToUser
from .store import Store, StoreError
from .store.lookup import SessionLookupError, candidates, lookup_session
from .wire.sanitize import scrub_line

EXIT_SENT, EXIT_FAILED, EXIT_USAGE, EXIT_UNKNOWN = 0, 1, 2, 3
_EXIT = {SENT: EXIT_SENT, FAILED: EXIT_FAILED, UNKNOWN: EXIT_UNKNOWN}
AddOptions = Callable[[argparse.ArgumentParser], None]


def add_parsers(sub: Any, add_store: AddOptions, add_server: AddOptions) -> None:
    send = sub.add_parser("send", help="send a text message to a conversation")
    add_store(send)
    add_server(send)
    send.add_argument("session", help="session id, a unique prefix of it, an alias or a peer id")
    send.add_argument("text", help="the message; - reads it from stdin")
    send.add_argument("--json", action="store_true", help="print the outcome as JSON")
    send.add_argument(
        "--as",
        dest="as_user",
        metavar="IDENTITY",
        help="when SESSION matches no conversation: send to SESSION as a username (a new "
        "conversation; its session id comes from /getSessionId) from IDENTITY, your Channels "
        "username (…@finder) or your WeChat id",
    )
    _add_timeout(send)

    outbox = sub.add_parser("outbox", help="messages not delivered yet; retry or discard one")
    add_store(outbox)
    add_server(outbox)
    outbox.add_argument("--json", action="store_true")
    actions = outbox.add_subparsers(dest="outbox_action", metavar="ACTION")
    retry = actions.add_parser("retry", help="send a failed or unknown message again")
    add_store(retry)
    add_server(retry)
    retry.add_argument("entry", metavar="ID", help="outbox id (or a unique prefix)")
    retry.add_argument(
        "--yes", action="store_true", help="retry an unknown message (it may arrive twice)"
    )
    retry.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
    _add_timeout(retry)
    discard = actions.add_parser("discard", help="drop a message that was not delivered")
    add_store(discard)
    discard.add_argument("entry", metavar="ID", help="outbox id (or a unique prefix)")


def reconciling(store: Store, emit: Callable[[ev.Event], None]) -> Callable[[ev.Event], None]:
    """For ``finder-tui sync``: an emit that first lets synced messages deliver outbox entries
    (the same reconciliation the inbox's store thread does)."""
    if not (store.directory / OUTBOX_FILE).exists():
        return emit
    outbox = Outbox.load(store.directory)
    desk = OutboxDesk(store, outbox, None, lambda event: None)
    desk.reconcile_stored()

    def forward(event: ev.Event) -> None:
        if isinstance(event, ev.NewMessages):
            desk.on_synced(event)
        emit(event)

    return forward


def _add_timeout(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help=f"seconds to wait for the answer (default: send_timeout, {DEFAULT_SEND_TIMEOUT:g})",
    )


class _Failure(Exception):
    def __init__(self, message: str, code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.code = code


def cmd_send(args: argparse.Namespace) -> int:
    return _guard(_send, args)


def cmd_outbox(args: argparse.Namespace) -> int:
    action = getattr(args, "outbox_action", None)
    runner = {None: _list, "retry": _retry, "discard": _discard}[action]
    return _guard(runner, args)


def _guard(run: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    try:
        return run(args)
    except _Failure as exc:
        print(f"finder-tui: {exc}", file=sys.stderr)
        return exc.code
    except (StoreError, ConfigError, OutboxError) as exc:
        print(f"finder-tui: {exc}", file=sys.stderr)
        return EXIT_FAILED


class _Desk:
    """The store, its outbox and a desk, as the CLI's one thread uses them."""

    def __init__(self, args: argparse.Namespace, *, online: bool) -> None:
        settings = settings_from_args(args)
        config = None
        if online:
            try:
                config = settings.client_config()
            except ConfigError as exc:
                raise _Failure(str(exc), EXIT_USAGE) from None
        timeout = getattr(args, "timeout", None) or settings.send_timeout
        self.events: list[ev.Event] = []
        self.store = Store.open(settings.store_dir())
        try:
            self.outbox = Outbox.load(settings.store_dir())
        except BaseException:
            self.store.close()
            raise
        if self.outbox.warning:
            print(f"finder-tui: {self.outbox.warning}", file=sys.stderr)
        self.desk = OutboxDesk(
            self.store, self.outbox, config, self.events.append, send_timeout=timeout
        )
        self.desk.reconcile_stored()

    def close(self) -> None:
        self.desk.close()
        self.store.close()

    def run(self, command: SendText | SendToUser | RetrySend | DiscardSend) -> list[ev.Event]:
        self.events.clear()
        self.desk.apply(command)
        while self.desk.has_work:
            self.desk.send_one()
        return list(self.events)


def _send(args: argparse.Namespace) -> int:
    text = sys.stdin.read() if args.text == "-" else args.text
    desk = _Desk(args, online=True)
    try:
        try:
            command: SendText | SendToUser = SendText(
                lookup_session(desk.store.index, args.session), text
            )
        except SessionLookupError as exc:
            # --as starts a conversation only when nothing matched: an ambiguous SESSION
            # lists its candidates and sends nothing (never to a user literally named so).
            if candidates(desk.store.index, args.session):
                raise _Failure(str(exc), EXIT_USAGE) from None
            if not args.as_user:
                raise _Failure(f"{exc} (to start a conversation, pass --as IDENTITY)") from None
            command = SendToUser(args.session, args.as_user, text)
        events = desk.run(command)
    finally:
        desk.close()
    return _report(events, args.json, desk.outbox)


def _retry(args: argparse.Namespace) -> int:
    desk = _Desk(args, online=True)
    try:
        entry = _find(desk.outbox, args.entry)
        if entry.state not in (FAILED, UNKNOWN):
            raise _Failure(f"{entry.id} is {entry.state}: only failed or unknown can be retried")
        if entry.state == UNKNOWN and not args.yes and not _confirm(entry):
            raise _Failure(
                f"{entry.id} may have been sent already and would then arrive twice; "
                "pass --yes to send it again",
                EXIT_USAGE,
            )
        events = desk.run(RetrySend(entry.id, entry.state, entry.attempts))
    finally:
        desk.close()
    return _report(events, getattr(args, "json", False), desk.outbox)


def _discard(args: argparse.Namespace) -> int:
    desk = _Desk(args, online=False)
    try:
        entry = _find(desk.outbox, args.entry)
        if entry.state not in (FAILED, UNKNOWN, SENT):
            raise _Failure(
                f"{entry.id} is {entry.state}: only failed, unknown or sent can be discarded"
            )
        desk.run(DiscardSend(entry.id))
    finally:
        desk.close()
    if entry.state == SENT:
        print(
            f"forgot {entry.id}: it was sent (newMsgId {entry.new_msg_id}); only the outbox forgets it"
        )
    else:
        print(f"discarded {entry.id}")
    return 0


def _list(args: argparse.Namespace) -> int:
    desk = _Desk(args, online=False)
    try:
        entries = sorted(desk.outbox.open_entries(), key=lambda e: e.created)
    finally:
        desk.close()
    if args.json:
        _print_json([_entry_json(e) for e in entries])
        return 0
    if not entries:
        print("outbox empty: everything sent was delivered")
    for e in entries:
        when = datetime.fromtimestamp(e.created).strftime("%Y-%m-%d %H:%M")
        reason = f"  ({scrub_line(e.error)[:80]})" if e.error else ""
        print(f"{e.id}  {e.state:<7}  {when}  {e.session_id}  {scrub_line(e.text)[:50]}{reason}")
    return 0


def _find(outbox: Outbox, needle: str) -> Entry:
    try:
        return outbox.find(needle)
    except KeyError as exc:
        raise _Failure(str(exc.args[0])) from None


def _confirm(entry: Entry) -> bool:
    if not sys.stdin.isatty():
        return False
    answer = input(
        f"{entry.id} may have been sent already; sending again may make it arrive twice. "
        "Send again? [y/N] "
    )
    return answer.strip().lower() in ("y", "yes")


def _report(events: list[ev.Event], as_json: bool, outbox: Outbox) -> int:
    notices = [e for e in events if isinstance(e, ev.OutboxNotice)]
    if notices:
        raise _Failure(notices[0].text)
    final = [e for e in events if isinstance(e, ev.OutboxChanged) and e.state in _EXIT]
    entry = outbox.get(final[-1].entry_id) if final else None
    if entry is None:
        raise _Failure("nothing was sent")
    if as_json:
        _print_json(_entry_json(entry))
    elif entry.state == SENT:
        print(f"sent  new_msg_id {entry.new_msg_id}  (outbox {entry.id})")
    elif entry.state == FAILED:
        print(f"failed: {entry.error}  (outbox {entry.id}: finder-tui outbox retry {entry.id})")
    else:
        print(
            f"unknown: {entry.error}\n  it may have been sent; the next sync tells. Nothing is "
            f"sent again unless you run: finder-tui outbox retry {entry.id}"
        )
    return _EXIT[entry.state]


def _entry_json(entry: Entry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "state": entry.state,
        "new_msg_id": None if entry.new_msg_id is None else str(entry.new_msg_id),
        "session_id": entry.session_id,
        "text": entry.text,
        "created": entry.created,
        "attempts": entry.attempts,
        "error": entry.error,
    }


def _print_json(value: Any) -> None:
    sys.stdout.write(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode() + "\n")
