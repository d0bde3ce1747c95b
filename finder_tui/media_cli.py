"""``finder-tui media NEWMSGID --out PATH``: download a message's original image, for scripts.

Registered by ``cli.py`` (``add_arguments`` + ``run``); errors print one line and exit 1."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .client import FinderClient
from .config import ConfigError, settings_from_args
from .fsutil import atomic_write_bytes
from .store import Store

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


def add_parser(
    sub: Any,
    add_store: Callable[[argparse.ArgumentParser], None],
    add_server: Callable[[argparse.ArgumentParser], None],
) -> None:
    """``media`` in the CLI's subcommands, with the store and server options of the others."""
    parser = sub.add_parser("media", help="download a message's image (NEWMSGID --out PATH)")
    add_store(parser)
    add_server(parser)
    parser.add_argument("new_msg_id", metavar="NEWMSGID", help="the image message's NewMsgId")
    parser.add_argument("--out", metavar="PATH", required=True, help="file to write ('-': stdout)")
    parser.add_argument("--force", action="store_true", help="overwrite an existing file")


def run(args: argparse.Namespace) -> int:
    from .media import MediaCache, MediaError, MediaFetcher, MediaLimits  # Pillow: only here

    def fail(text: str, code: int = EXIT_FAILURE) -> int:
        print(f"finder-tui: {text}", file=sys.stderr)
        return code

    if not args.new_msg_id.isdigit() or int(args.new_msg_id) >= 1 << 64:
        return fail(f"not a NewMsgId: {args.new_msg_id[:40]!r}", EXIT_USAGE)
    new_msg_id = int(args.new_msg_id)
    out = None if args.out == "-" else Path(args.out)
    if out is not None and out.exists() and not args.force:
        return fail(f"{out} exists (--force overwrites it)", EXIT_USAGE)
    settings = settings_from_args(args)
    with Store.open(settings.store_dir()) as store:
        message = store.index.find_message(str(new_msg_id))
        if message is None:
            return fail(f"no message {new_msg_id} in the store (sync first)")
        limits = MediaLimits.from_mb(settings.media_cache_mb, settings.image_max_mb)
        cache = MediaCache(store.directory, budget=limits.cache_bytes)
        try:
            client_config = settings.client_config()
        except ConfigError:
            client_config = None  # the cache may still hold it
        client = FinderClient(client_config) if client_config is not None else None
        try:
            path = MediaFetcher(cache, client, max_bytes=limits.image_bytes).image(message)
        except MediaError as exc:
            return fail(f"{new_msg_id}: {exc}")
        finally:
            if client is not None:
                client.close()
    data = path.read_bytes()
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return EXIT_OK
    try:
        atomic_write_bytes(out, data)
    except OSError as exc:
        return fail(f"cannot write {out}: {exc.strerror or exc}")
    print(f"{out}  {len(data)} bytes", file=sys.stderr)
    return EXIT_OK
