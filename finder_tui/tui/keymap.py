"""Check a user's keymap against the binding ids the inbox defines, before the app starts."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable, Iterator

from textual.binding import Binding
from textual.dom import DOMNode

from .. import tui


def _subclasses(cls: type) -> Iterator[type]:
    subs: list[type] = cls.__subclasses__()
    for sub in subs:
        yield sub
        yield from _subclasses(sub)


def known_binding_ids() -> set[str]:
    """Every binding id declared by a class of ``finder_tui.tui`` (app, screens, widgets)."""
    for info in pkgutil.walk_packages(tui.__path__, tui.__name__ + "."):
        if not info.name.endswith((".launch", ".keymap")):
            importlib.import_module(info.name)
    ids: set[str] = set()
    for cls in _subclasses(DOMNode):
        if not cls.__module__.startswith(tui.__name__ + "."):
            continue
        for binding in vars(cls).get("BINDINGS", ()):
            if isinstance(binding, Binding) and binding.id:
                ids.add(binding.id)
    return ids


def unknown_binding_ids(keymap: Iterable[str]) -> list[str]:
    known = known_binding_ids()
    return sorted(k for k in keymap if k not in known)
