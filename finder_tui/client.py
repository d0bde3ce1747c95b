"""The syncFinder HTTP client (httpx), with typed errors that never carry the token."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from .wire.answer import SUCCESS, SyncAnswer, read_sync_answer, split_answer
from .wire.models import SyncPage, SyncRequest
from .wire.sanitize import scrub_line

_HEADER_SAFE = re.compile(r"[\x21-\x7e]+")
_AUTH_HINTS = ("authorization", "token", "授权", "登录", "鉴权", "未登录", "wid")


class Secret:
    """Holds the token; its repr and str never show it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__


class SyncError(Exception):
    """Base class of everything the client raises."""

    retryable = True


class ApiError(SyncError):
    """The server answered with a code other than 1000."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"server answered code {code}: {message or 'no message'}")
        self.code = code
        self.server_message = message


class AuthError(ApiError):
    """The server refused the token or the wId: retrying will not help."""

    retryable = False


class CredentialError(SyncError):
    """The token cannot be sent at all (e.g. it holds a newline): fix the setting."""

    retryable = False


class TransportError(SyncError):
    """Could not reach the server, or it did not answer in time.

    ``sent`` is False only when the request certainly never left (the connection was refused
    or never made); otherwise it may have reached the server. A send must tell the two apart.
    """

    def __init__(self, message: str, *, sent: bool = True) -> None:
        super().__init__(message)
        self.sent = sent


class ProtocolError(SyncError):
    """The answer is not a syncFinder answer (HTTP error, not JSON, wrong shape)."""


@dataclass(frozen=True, slots=True)
class ClientConfig:
    base_url: str
    wid: str
    token: Secret
    connect_timeout: float = 5.0
    read_timeout: float = 20.0


def _looks_like_auth(message: str) -> bool:
    lowered = message.lower()
    return any(hint in lowered for hint in _AUTH_HINTS)


class FinderClient:
    def __init__(self, config: ClientConfig, *, transport: httpx.BaseTransport | None = None):
        self.config = config
        timeout = httpx.Timeout(
            config.read_timeout, connect=config.connect_timeout, pool=config.connect_timeout
        )
        self._http = httpx.Client(
            base_url=config.base_url.rstrip("/"),
            timeout=timeout,
            transport=transport,
            headers={"Content-Type": "application/json"},
            follow_redirects=False,
        )

    def __repr__(self) -> str:
        return f"FinderClient(base_url={self.config.base_url!r}, wid={self.config.wid!r})"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> FinderClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def sync(self, key_buff: str) -> SyncPage:
        """One ``POST /syncFinder``, read here; returns the page or raises a ``SyncError``. The
        sync engine uses ``sync_body`` and ``page_from`` to read big pages in another process
        (``page_fetch``), with the same errors."""
        return self.page_from(read_sync_answer(self.sync_body(key_buff)))

    def sync_body(self, key_buff: str) -> bytes:
        """The body of one ``POST /syncFinder`` answered 200, unread (``page_from`` reads it)."""
        response = self._post("/syncFinder", SyncRequest(self.config.wid, key_buff).body())
        self._check_status(response)
        return response.content

    def page_from(self, answer: SyncAnswer) -> SyncPage:
        """The page of a syncFinder answer, or the ``SyncError`` it amounts to."""
        if answer.problem:
            raise ProtocolError(answer.problem)
        self._check_code(answer.code, answer.message)
        assert answer.page is not None
        return answer.page

    def call(self, path: str, body: dict[str, Any]) -> Any:
        """One ``POST`` to a vendor endpoint; returns the answer's ``data`` on code 1000.

        Raises ``AuthError``/``ApiError`` for other codes, ``TransportError`` when no answer
        came (``TransportError.sent`` tells whether the request may have reached the server),
        ``ProtocolError`` for an answer in no known shape. The token never reaches a message.
        """
        return self._read(self._post(path, body))

    def _post(self, path: str, body: dict[str, Any]) -> httpx.Response:
        token = self.config.token.reveal()
        if not _HEADER_SAFE.fullmatch(token):
            # httpx would echo an illegal header value in its exception text: refuse first.
            raise CredentialError(
                "the token holds characters an HTTP header cannot carry (spaces, control or "
                "non-ASCII characters); check FINDER_TUI_TOKEN"
            )
        try:
            response = self._http.post(
                path, content=orjson.dumps(body), headers={"Authorization": token}
            )
        except httpx.TimeoutException as exc:
            raise TransportError(
                f"no answer in time from {self.config.base_url} ({type(exc).__name__})",
                sent=not isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout),
            ) from None
        except httpx.HTTPError as exc:
            reason = _redact(_describe(exc), self.config.token)
            raise TransportError(
                f"cannot reach {self.config.base_url}: {reason}",
                sent=not isinstance(exc, httpx.ConnectError),
            ) from None
        return response

    @staticmethod
    def _check_status(response: httpx.Response) -> None:
        if response.status_code in (401, 403):
            raise AuthError(str(response.status_code), "HTTP authentication refused")
        if response.status_code != 200:
            raise ProtocolError(f"HTTP {response.status_code} from the server")

    def _check_code(self, code: str, message: str) -> None:
        if code != SUCCESS:
            cls = AuthError if _looks_like_auth(message) else ApiError
            raise cls(code, _redact(message, self.config.token))

    def _read(self, response: httpx.Response) -> Any:
        self._check_status(response)
        code, message, data, problem = split_answer(response.content)
        if problem:
            raise ProtocolError(problem)
        self._check_code(code, message)
        return data


def _describe(exc: httpx.HTTPError) -> str:
    # httpx messages carry no headers, but keep only the class and a short, scrubbed reason.
    reason = scrub_line(str(exc))[:160]
    return f"{type(exc).__name__}: {reason}" if reason else type(exc).__name__


def _redact(text: str, token: Secret) -> str:
    secret = token.reveal()
    return text.replace(secret, "***") if secret else text
