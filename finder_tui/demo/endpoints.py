"""The demo server's vendor endpoints beyond ``/syncFinder``, registered by path.

A feature adds its endpoints in a module of its own (``@endpoint("/finderHome")``) and
``server.py`` imports that module once. A handler receives the server and the request's JSON
object (already authorized, with a matching ``wId``) and returns the answer's ``data``; it
raises ``ApiError`` for a vendor-style ``{"code": "1001"}`` answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from .faults import FaultSpec


class ApiError(Exception):
    """A request the API answers with code 1001 (HTTP 200), as the vendor does."""


class DropConnection(Exception):  # noqa: N818 - an instruction to the server, not an error
    """The server closes the connection without answering (the ``send_drop`` fault)."""


class DemoState(Protocol):
    """What an endpoint may use of the running demo server."""

    wid: str

    @property
    def items(self) -> list[dict[str, Any]]: ...

    def append(self, items: list[dict[str, Any]]) -> None: ...

    # Used by the send endpoints (demo/reply.py).
    extras: dict[str, Any]  # per-server state of a feature, keyed by the feature's name
    peer_replies: float  # probability that a demo peer answers a sent message

    @property
    def faults(self) -> FaultSpec | None: ...

    def append_next(self, build: Callable[[int], list[dict[str, Any]]]) -> None: ...

    def later(self, delay: float, action: Callable[[], None]) -> None: ...

    def sleep_slow(self, seconds: float) -> None: ...


Handler = Callable[[DemoState, dict[str, Any]], Any]
ENDPOINTS: dict[str, Handler] = {}


def endpoint(path: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        if path in ENDPOINTS:
            raise ValueError(f"{path} is registered twice")
        ENDPOINTS[path] = handler
        return handler

    return register
