"""Open a URL or a file with the system's opener (``xdg-open``, ``open``): an argv list, no
shell, and only a value we checked (an http(s) URL or an absolute path, so never an option),
in a child process that gets no token and no finder-tui settings."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from ..hooks import hook_environment
from ..wire.xmlread import web_url


class OpenError(Exception):
    pass


def opener_argv(target: str, *, platform: str | None = None) -> list[str]:
    """The argv that opens ``target``; raises ``OpenError`` for anything else."""
    if not (web_url(target) or (target.startswith("/") and Path(target).is_file())):
        raise OpenError("only http(s) links and saved files can be opened")
    system = platform or sys.platform
    candidates = ["open"] if system == "darwin" else ["xdg-open", "gio"]
    for name in candidates:
        program = shutil.which(name)
        if program:
            return [program, "open", target] if name == "gio" else [program, target]
    raise OpenError(f"no system opener found ({' or '.join(candidates)})")


# What xdg-open needs beyond the hooks' base to pick the desktop's own opener and browser.
_DESKTOP = (
    "XDG_CURRENT_DESKTOP",
    "XDG_SESSION_TYPE",
    "XDG_DATA_DIRS",
    "XDG_CONFIG_DIRS",
    "XDG_DATA_HOME",
    "XDG_CONFIG_HOME",
    "DESKTOP_SESSION",
    "KDE_FULL_SESSION",
    "KDE_SESSION_VERSION",
    "GNOME_DESKTOP_SESSION_ID",
    "BROWSER",
)


def child_env(secret: str | None = None) -> dict[str, str]:
    """The hooks' minimal environment plus the desktop's variables: no FINDER_TUI_TOKEN and
    no variable, whatever its name, that holds the token's value."""
    env = hook_environment({}, secret=secret)
    for name in _DESKTOP:
        value = os.environ.get(name)
        if value is not None and not (secret and secret in value):
            env[name] = value
    return env


def open_external(target: str, *, secret: str | None = None) -> None:
    argv = opener_argv(target)
    try:
        subprocess.Popen(  # noqa: S603 - an argv list of a checked value, no shell
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=child_env(secret),
            start_new_session=True,
            close_fds=True,
        )
    except OSError as exc:
        raise OpenError(f"cannot start {Path(argv[0]).name}: {exc.strerror or exc}") from None
