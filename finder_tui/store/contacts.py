"""The contacts cache: peers' nicknames and the account's own identity, in ``contacts.json``.

A file of its own beside ``head.json`` (names change on another rhythm than messages, and the
head's layout belongs to the message store). Written with the same atomic commit (temp file,
fsync, rename): a kill leaves the previous cache. It is only a cache: a corrupt or unreadable
file is set aside as ``contacts.json.corrupt`` and names are fetched again.
"""

from __future__ import annotations

import contextlib
import os
import threading
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import orjson

from ..fsutil import atomic_write_bytes
from ..wire.sanitize import scrub, scrub_line
from .errors import StoreWriteError

CONTACTS_FILE = "contacts.json"
FOUND, MISSING, UNREADABLE = "found", "missing", "unreadable"  # Contact.status
NAME_MAX = 64


def clean_name(text: object) -> str:
    """An untrusted nickname as the UI may show it: scrubbed, one line, bounded."""
    return scrub_line(text if isinstance(text, str) else "").strip()[:NAME_MAX]


@dataclass(slots=True)
class Contact:
    """What the vendor told us about one peer (or that it knows nothing: ``MISSING``)."""

    username: str
    nickname: str = ""
    avatar: str = ""
    signature: str = ""
    status: str = FOUND
    fetched_at: float = 0.0  # wall clock of the answer; a week later it is asked again

    def to_doc(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _CONTACT_FIELDS}

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Contact:
        known = {k: doc[k] for k in _CONTACT_FIELDS if k in doc}
        contact = cls(**known)
        # Scrubbed again on load: the file may come from an older version or a hand edit.
        contact.nickname = clean_name(contact.nickname)
        contact.signature = scrub(str(contact.signature))[:500]
        contact.avatar = scrub_line(str(contact.avatar))[:1000]
        contact.fetched_at = float(contact.fetched_at)
        return contact


@dataclass(slots=True)
class Profile:
    """The account's own Channels identity (``/finderHome``)."""

    username: str
    role_type: int = 3
    nickname: str = ""
    avatar: str = ""
    fetched_at: float = 0.0

    def to_doc(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _PROFILE_FIELDS}

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Profile:
        profile = cls(**{k: doc[k] for k in _PROFILE_FIELDS if k in doc})
        profile.nickname = clean_name(profile.nickname)
        profile.role_type = int(profile.role_type)
        return profile


_CONTACT_FIELDS = tuple(f.name for f in fields(Contact))
_PROFILE_FIELDS = tuple(f.name for f in fields(Profile))


class ContactBook:
    """Thread-safe: the store thread writes, any thread reads."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._contacts: dict[str, Contact] = {}
        self._profile: Profile | None = None
        self.dirty = False
        self.load_problem = ""  # why an existing file was set aside, for a status line

    @classmethod
    def open(cls, directory: Path) -> ContactBook:
        book = cls(Path(directory) / CONTACTS_FILE)
        book._load()
        return book

    def _load(self) -> None:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return
        except OSError as exc:
            self.load_problem = f"cannot read {self.path}: {exc.strerror or exc}"
            return
        try:
            doc = orjson.loads(raw)
            contacts = [Contact.from_doc(d) for d in doc.get("contacts", {}).values()]
            profile = doc.get("profile")
            self._profile = Profile.from_doc(profile) if isinstance(profile, dict) else None
        except (orjson.JSONDecodeError, AttributeError, TypeError, ValueError) as exc:
            self.load_problem = (
                f"{self.path} was unreadable ({type(exc).__name__}); set aside as "
                f"{CONTACTS_FILE}.corrupt, names will be fetched again"
            )
            with contextlib.suppress(OSError):
                os.replace(self.path, self.path.with_name(CONTACTS_FILE + ".corrupt"))
            return
        self._contacts = {c.username: c for c in contacts if c.username}

    # ---- reads ---------------------------------------------------------------------------

    def get(self, username: str) -> Contact | None:
        with self._lock:
            return self._contacts.get(username)

    def nicknames(self) -> dict[str, str]:
        with self._lock:
            return {u: c.nickname for u, c in self._contacts.items() if c.nickname}

    def all(self) -> list[Contact]:
        with self._lock:
            return list(self._contacts.values())

    @property
    def profile(self) -> Profile | None:
        with self._lock:
            return self._profile

    def __len__(self) -> int:
        with self._lock:
            return len(self._contacts)

    # ---- writes (store thread) -----------------------------------------------------------

    def put(self, contact: Contact) -> None:
        with self._lock:
            self._contacts[contact.username] = contact
            self.dirty = True

    def set_profile(self, profile: Profile) -> None:
        with self._lock:
            self._profile = profile
            self.dirty = True

    def commit(self) -> None:
        with self._lock:
            if not self.dirty:
                return
            doc = {
                "version": 1,
                "profile": self._profile.to_doc() if self._profile else None,
                "contacts": {u: c.to_doc() for u, c in self._contacts.items()},
            }
            self.dirty = False
        try:
            atomic_write_bytes(self.path, orjson.dumps(doc))
        except OSError as exc:
            self.dirty = True
            raise StoreWriteError(
                f"could not write {self.path}: {exc.strerror or exc}; names stay cached in "
                "memory and the write will be retried"
            ) from exc
