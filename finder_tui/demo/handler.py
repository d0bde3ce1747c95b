"""The HTTP layer of the demo server: one request in, one answer out, with the ``--faults``
applied per answer, keep-alive connections tracked so ``stop()`` can cut them, and nothing
logged per request. What it serves comes from ``ServedDemo`` (``DemoServer`` in server.py)."""

from __future__ import annotations

import socket
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol, cast

import orjson

from finder_tui.demo.endpoints import ENDPOINTS, GET_ROUTES, ApiError, DemoState, DropConnection
from finder_tui.demo.faults import BUSY_MESSAGE
from finder_tui.wire.keybuff import Cursor

MAX_BODY = 1 << 20  # a syncFinder request is ~100 bytes; refuse anything absurd


class ServedDemo(DemoState, Protocol):
    """What the HTTP layer uses of the demo server, beyond what the endpoints use."""

    _stopping: threading.Event

    def _count_request(self) -> None: ...

    def _record(self, path: str, body: dict[str, Any]) -> None: ...

    def authorize(self, header: str | None) -> None: ...

    def parse_request(self, body: bytes) -> Cursor: ...

    def parse_call(self, body: bytes) -> dict[str, Any]: ...

    def sync(self, cursor: Cursor, fault: str | None) -> dict[str, Any]: ...


def _answer(data: dict[str, Any] | None, code: str = "1000", message: str = "处理成功") -> bytes:
    return orjson.dumps({"code": code, "message": message, "data": data})


class DemoHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], handler: type[DemoRequestHandler], demo: ServedDemo
    ):
        self.demo = demo
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_open_connections(self) -> None:
        with self._open_lock:
            sockets = list(self._open)
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hung up mid-answer is normal under faults; stay quiet


class DemoRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like the real API behind its proxy
    server_version = "finder-tui-demo"
    disable_nagle_algorithm = True  # headers and body go out in two writes; avoid a 40 ms stall

    def version_string(self) -> str:
        return self.server_version

    @property
    def demo(self) -> ServedDemo:
        return cast(DemoHTTPServer, self.server).demo

    def log_message(self, format: str, *args: Any) -> None:
        pass  # no per-request logging (it would also land in the TUI's terminal)

    def do_POST(self) -> None:
        if self.demo._stopping.is_set():
            self.close_connection = True
            return
        self.demo._count_request()
        path = self.path.split("?", 1)[0]
        if path != "/syncFinder" and path not in ENDPOINTS:
            self._send(HTTPStatus.NOT_FOUND, b"not found", "text/plain", close=True)
            return
        body = self._read_body()
        try:
            if body is None:
                raise ApiError("参数错误: 缺少或无效的Content-Length")
            self.demo.authorize(self.headers.get("Authorization"))
            if path == "/syncFinder":
                cursor = self.demo.parse_request(body)
            else:
                payload = self.demo.parse_call(body)
        except ApiError as exc:
            # An unread body would poison the kept-alive connection, so close it then.
            self._send_json(_answer(None, "1001", str(exc)), close=body is None)
            return
        if path == "/syncFinder":
            self._answer_sync(cursor)
        else:
            self._answer_call(path, payload)

    def _answer_call(self, path: str, payload: dict[str, Any]) -> None:
        """One of the other endpoints; the generic faults apply to them as to syncFinder."""
        self.demo._record(path, payload)
        faults = self.demo.faults
        fault = faults.choose() if faults is not None else None
        if fault == "1001":
            self._send_json(_answer(None, "1001", BUSY_MESSAGE))
            return
        if fault == "500":
            self._send(HTTPStatus.INTERNAL_SERVER_ERROR, b"500 Internal Server Error", "text/plain")
            return
        if fault == "slow" and faults is not None:
            self.demo.sleep_slow(faults.slow_seconds)
        try:
            body = _answer(ENDPOINTS[path](self.demo, payload))
        except ApiError as exc:
            body = _answer(None, "1001", str(exc))
        except DropConnection:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        self._send_json(body[: len(body) // 2] if fault == "truncated" else body)

    def _answer_sync(self, cursor: Cursor) -> None:
        faults = self.demo.faults
        fault = faults.choose() if faults is not None else None
        if fault == "1001":
            self._send_json(_answer(None, "1001", BUSY_MESSAGE))
        elif fault == "500":
            body = b"500 Internal Server Error"
            self._send(HTTPStatus.INTERNAL_SERVER_ERROR, body, "text/plain")
        else:
            if fault == "slow" and faults is not None:
                self.demo.sleep_slow(faults.slow_seconds)
            body = _answer(self.demo.sync(cursor, fault))
            self._send_json(body[: len(body) // 2] if fault == "truncated" else body)

    def _not_found(self) -> None:
        self.demo._count_request()
        self._send(HTTPStatus.NOT_FOUND, b"not found", "text/plain", close=True)

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        route = next((p for p in GET_ROUTES if path.startswith(p)), None)
        if route is None or self.demo._stopping.is_set():
            self._not_found()
            return
        self.demo._count_request()
        status, body, ctype = GET_ROUTES[route](self.demo, path)
        self._send(HTTPStatus(status), body, ctype)

    do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _not_found

    def do_HEAD(self) -> None:
        self.demo._count_request()
        self.send_response(HTTPStatus.NOT_FOUND)
        self.send_header("Content-Length", "0")
        self.send_header("Connection", "close")
        self.close_connection = True
        self.end_headers()

    def _read_body(self) -> bytes | None:
        """The request body, or None when its length is missing, bad or too large."""
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            return None
        if not 0 <= length <= MAX_BODY:
            return None
        return self.rfile.read(length)

    def _send_json(self, body: bytes, *, close: bool = False) -> None:
        self._send(HTTPStatus.OK, body, "application/json; charset=utf-8", close=close)

    def _send(self, status: HTTPStatus, body: bytes, ctype: str, *, close: bool = False) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            if close:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (e.g. timed out on "slow")
