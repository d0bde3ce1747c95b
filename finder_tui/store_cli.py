"""Opening the store for a command, and the commands that only read it and print:
``stats``, ``sessions`` and ``show`` (text for people, ``--json`` for scripts)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import orjson

from .config import Settings, settings_from_args
from .export.common import NameOf, content_text, names_for
from .peers import identity_label
from .store import Store
from .store.lookup import lookup_session
from .textfmt import human_stats, local_time, plural
from .wire import keybuff
from .wire.models import Message
from .wire.sanitize import scrub_line


def open_store(settings: Settings, *, head_only: bool = False) -> Store:
    """The store; ``head_only``: what stats and sessions need (the head's summaries), without
    cataloguing sealed history, unless the head does not say what that holds."""
    store = Store.open(settings.store_dir(), lazy_history=True)
    if not head_only or not store.sealed_counts_known:
        store.load_segments()  # the catalog (not the live archive: stats reads that itself)
    store.index.live_stale_after = settings.live_stale_after
    return store


def print_json(value: Any) -> None:
    sys.stdout.write(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode() + "\n")


def store_stats(store: Store) -> dict[str, Any]:
    store.load_live_archive()
    index = store.index
    notices = index.notice_count()
    return {
        "messages": index.message_count - notices,
        "notices": notices,
        "sessions": index.session_count(),
        "live_streams": len(index.live_streams()),
        "live_now": index.live_now_count(),
        "key_buff": store.key_buff,
        "cursor": keybuff.describe(store.key_buff) or {},
        "last_success": store.last_success,
        "segments": len(store.segments),
        "names": sum(1 for s in index.sessions() if s.nickname),
        "identity": store.contacts.profile.username if store.contacts.profile else None,
        "store": str(store.directory),
    }


def cmd_stats(args: argparse.Namespace) -> int:
    with open_store(settings_from_args(args), head_only=True) as store:
        stats = store_stats(store)
    if args.json:
        print_json(stats)
    else:
        for key, value in human_stats(stats).items():
            print(f"{key:>13}: {value}")
    return 0


def cmd_sessions(args: argparse.Namespace) -> int:
    with open_store(settings_from_args(args), head_only=True) as store:
        sessions = store.index.sessions()
    if args.json:
        print_json(
            [
                {
                    "session_id": s.session_id,
                    "peer": s.peer,
                    "alias": s.alias,
                    "nickname": s.nickname,
                    "display_name": s.display_name,
                    "identity": s.me,
                    "identity_kind": identity_label(s.me).removeprefix("as ") or None,
                    "count": s.count,
                    "unread": s.unread,
                    "last_time": s.last_time,
                    "preview": s.preview,
                }
                for s in sessions
            ]
        )
        return 0
    for s in sessions:
        name = s.display_name
        print(
            f"{local_time(s.last_time)}  {s.unread:>3} unread  {plural(s.count, 'msg'):>9}  "
            f"{name}  ({identity_label(s.me) or '?'})  {s.session_id}  "
            f"{scrub_line(s.preview)[:60]}"
        )
    return 0


def message_json(message: Message, name_of: NameOf | None = None) -> dict[str, Any]:
    return {
        "key": message.key,
        "new_msg_id": message.new_msg_id,  # orjson writes it as an exact integer
        "session_id": message.session_id,
        "peer": message.peer,
        "is_sender": message.is_sender,
        "create_time": message.create_time,
        "seq": message.seq,
        "msg_type": message.msg_type,
        "kind": message.kind,
        "text": content_text(message, name_of),
        "meta": message.meta,
    }


def message_line(message: Message, peer_name: str, name_of: NameOf | None = None) -> str:
    direction = "me →" if message.is_sender else f"← {peer_name}"
    text = scrub_line(content_text(message, name_of))
    return f"{local_time(message.create_time)}  {direction}  [{message.kind}]  {text}"


def cmd_show(args: argparse.Namespace) -> int:
    with open_store(settings_from_args(args)) as store:
        session_id = lookup_session(store.index, args.session)  # main() reports a miss
        summary = store.index.session(session_id)
        messages = store.index.messages(session_id)
    name_of = (
        names_for(summary.peer, summary.alias, summary.me, nickname=summary.nickname)
        if summary
        else None
    )
    if args.json:
        print_json([message_json(m, name_of) for m in messages])
        return 0
    name = summary.display_name if summary else session_id
    for message in messages:
        print(message_line(message, name, name_of))
    return 0
