"""A vendor stand-in on 127.0.0.1 that answers chosen paths with raw bytes (shapes the demo
server cannot serialise: ``1e999``, JSON nested a thousand deep, hostile keys, HTTP 404) and
forwards every other request to a real demo server."""

from __future__ import annotations

import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

import httpx


class VendorStub:
    def __init__(self, upstream: str, answers: dict[str, tuple[int, bytes]]) -> None:
        self.upstream = upstream.rstrip("/")
        self.answers = answers  # path -> (HTTP status, raw body)
        self.asked: Counter[str] = Counter()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                stub.asked[self.path] += 1
                if self.path in stub.answers:
                    status, raw = stub.answers[self.path]
                else:
                    answer = httpx.post(
                        stub.upstream + self.path,
                        content=body,
                        headers={"Authorization": self.headers.get("Authorization", "")},
                    )
                    status, raw = answer.status_code, answer.content
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> VendorStub:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


def ok(data_json: str) -> tuple[int, bytes]:
    """A code-1000 answer whose ``data`` is the given raw JSON text."""
    return 200, b'{"code":"1000","message":"ok","data":' + data_json.encode() + b"}"


def deep_contact(depth: int = 1015) -> str:
    return '{"contact":' * depth + '{"nickname":"x"}' + "}" * depth
