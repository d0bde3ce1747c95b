"""The HTTP client: the request it sends, typed errors, and a token that never leaks."""

from __future__ import annotations

import json
import socket
import threading
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from finder_tui.client import (
    ApiError,
    AuthError,
    ClientConfig,
    FinderClient,
    ProtocolError,
    Secret,
    SyncError,
    TransportError,
)
from finder_tui.demo import DemoServer, seed_items
from finder_tui.demo.data import build_item
from finder_tui.wire import jsonio
from tests.conftest import TOKEN

ClientFactory = Callable[..., FinderClient]
SECRET = TOKEN  # what make_client and demo_server use by default
FIXTURES = Path(__file__).parent / "fixtures"


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    delay: float = 0.0


@dataclass
class RecordingServer:
    """A tiny real HTTP server that records every request and answers with ``reply``."""

    reply: Reply = field(default_factory=Reply)
    requests: list[Recorded] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    url: str = ""


@pytest.fixture()
def recording() -> Iterator[RecordingServer]:
    state = RecordingServer()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            state.requests.append(
                Recorded("POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            )
            reply = state.reply
            if reply.delay:
                state.release.wait(reply.delay)
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield state
    state.release.set()
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


def answer(code: str = "1000", message: str = "处理成功", data: Any = None) -> bytes:
    return orjson.dumps({"code": code, "message": message, "data": data})


def assert_no_token(exc: BaseException, token: str = SECRET) -> None:
    assert token not in str(exc)
    assert token not in repr(exc)
    assert token not in "".join(traceback.format_exception(exc))
    for value in vars(exc).values():
        assert token not in repr(value)


def chat_item(seq: int, text: str) -> dict[str, Any]:
    return build_item(
        seq=seq,
        create_time=1_700_000_000,
        new_msg_id=10_000 + seq,
        msg_type=1,
        content=text,
        from_user="fv1_x@findermsgstranger",
        to_user="v2_y@finder",
        is_sender=0,
        session_id="ab" * 32 + "@findermsg",
    )


def capture(call: Callable[[], Any]) -> SyncError:
    with pytest.raises(SyncError) as info:
        call()
    return info.value


# ---- the request -----------------------------------------------------------------------------


def test_request_shape(recording: RecordingServer, make_client: ClientFactory) -> None:
    recording.reply = Reply(body=answer(data={"list": [], "keyBuff": "CgUIARDaCRAA"}))
    client = make_client(recording.url + "/", wid="2c7a5bf6-e23d-x-8f03-b90e844b539f")
    page = client.sync("")
    assert page.messages == [] and page.key_buff == "CgUIARDaCRAA"
    client.sync("CgUIARDaCRAA")
    first, second = recording.requests
    assert first.method == "POST" and first.path == "/syncFinder"
    assert first.headers["authorization"] == SECRET  # the raw token, no "Bearer"
    assert not first.headers["authorization"].lower().startswith("bearer")
    assert first.headers["content-type"] == "application/json"
    assert orjson.loads(first.body) == {"wId": "2c7a5bf6-e23d-x-8f03-b90e844b539f", "keyBuff": ""}
    assert orjson.loads(second.body) == {
        "wId": "2c7a5bf6-e23d-x-8f03-b90e844b539f",
        "keyBuff": "CgUIARDaCRAA",
    }


def test_fixture_request_shape_matches(recording: RecordingServer) -> None:
    example = orjson.loads((FIXTURES / "syncFinder-request.json").read_bytes())
    recording.reply = Reply(body=answer(data={"list": [], "keyBuff": ""}))
    config = ClientConfig(recording.url, example["wId"], Secret("t"))
    with FinderClient(config) as client:
        client.sync(example["keyBuff"])
    assert orjson.loads(recording.requests[0].body) == example


def test_success_page_from_fixture(
    recording: RecordingServer, make_client: ClientFactory, seed_payload: dict[str, Any]
) -> None:
    recording.reply = Reply(body=orjson.dumps(seed_payload))
    page = make_client(recording.url).sync("")
    assert len(page.messages) == 19 and page.rejected == []


def test_a_lone_surrogate_does_not_block_the_page() -> None:
    page = {
        "code": "1000",
        "message": "ok",
        "data": {"list": [chat_item(1, "half \\ud83d emoji"), chat_item(2, "next")], "keyBuff": ""},
    }
    body = json.dumps(page, ensure_ascii=False).replace("\\\\ud83d", "\\ud83d").encode()
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(body)  # what a strict parser would do: the whole page lost
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=body))
    config = ClientConfig("http://test", "w", Secret("t"))
    with FinderClient(config, transport=transport) as client:
        result = client.sync("")
    texts = [m.text for m in result.messages]
    assert texts == ["half \ufffd emoji", "next"] and not result.rejected
    assert jsonio.loads(b'{"id": 18446744073709551615, "t": "\\udc00"}') == {
        "id": 18446744073709551615,
        "t": "\ufffd",
    }


# ---- errors ----------------------------------------------------------------------------------


def test_failure_fixture_is_api_error(
    recording: RecordingServer, make_client: ClientFactory
) -> None:
    recording.reply = Reply(body=(FIXTURES / "syncFinder-failure.json").read_bytes())
    exc = capture(lambda: make_client(recording.url).sync(""))
    assert type(exc) is ApiError
    assert exc.code == "1001" and exc.server_message == "失败"
    assert "失败" in str(exc)
    assert exc.retryable


def test_1001_busy_is_api_error_with_message(
    recording: RecordingServer, make_client: ClientFactory
) -> None:
    recording.reply = Reply(body=answer("1001", "服务繁忙,请稍后重试"))
    exc = capture(lambda: make_client(recording.url).sync(""))
    assert type(exc) is ApiError and exc.retryable
    assert "服务繁忙,请稍后重试" in str(exc)
    assert_no_token(exc)


@pytest.mark.parametrize(
    "message", ["Authorization无效", "缺少Authorization", "未登录", "token expired", "wId不存在"]
)
def test_auth_messages_are_auth_errors(
    recording: RecordingServer, make_client: ClientFactory, message: str
) -> None:
    recording.reply = Reply(body=answer("1001", message))
    exc = capture(lambda: make_client(recording.url).sync(""))
    assert isinstance(exc, AuthError) and exc.retryable is False
    assert_no_token(exc)


def test_server_echoing_the_token_is_redacted(
    recording: RecordingServer, make_client: ClientFactory
) -> None:
    recording.reply = Reply(body=answer("1001", f"Authorization {SECRET} 无效\x1b[2J"))
    exc = capture(lambda: make_client(recording.url).sync(""))
    assert isinstance(exc, AuthError)
    assert_no_token(exc)
    assert "\x1b" not in str(exc)


def test_http_401_is_auth_error() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(401, text=f"bad token {SECRET}")

    config = ClientConfig("http://finder.invalid", "w", Secret(SECRET))
    with FinderClient(config, transport=httpx.MockTransport(handler)) as client:
        exc = capture(lambda: client.sync(""))
    assert isinstance(exc, AuthError) and not exc.retryable
    assert exc.code == "401"
    assert_no_token(exc)
    assert seen[0].headers["authorization"] == SECRET


@pytest.mark.parametrize(
    ("reply", "needle"),
    [
        (Reply(body=b"<html>bad gateway</html>", content_type="text/html"), "JSON"),
        (Reply(body=answer(data={"list": []})[:20]), "JSON"),
        (Reply(body=b"[1, 2]"), "shape"),
        (Reply(body=b'{"message": "no code"}'), "shape"),
        (Reply(body=answer(data={"list": "nope", "keyBuff": ""})), "shape"),
        (Reply(body=answer(data=None)), "shape"),
        (Reply(status=500, body=b"oops", content_type="text/plain"), "500"),
        (Reply(status=302, body=b"", content_type="text/plain"), "302"),
    ],
    ids=["html", "truncated", "list", "no-code", "list-not-list", "data-null", "500", "302"],
)
def test_bad_answers_are_protocol_errors(
    recording: RecordingServer, make_client: ClientFactory, reply: Reply, needle: str
) -> None:
    recording.reply = reply
    exc = capture(lambda: make_client(recording.url).sync(""))
    assert type(exc) is ProtocolError
    assert needle in str(exc)
    assert exc.retryable
    assert_no_token(exc)


def test_the_server_code_is_scrubbed_before_it_reaches_an_error_text() -> None:
    body = orjson.dumps({"code": "\x1b]52;c;cHduZWQ=\x07\x1b[2J", "message": "x", "data": None})
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=body))
    with FinderClient(ClientConfig("http://t", "w", Secret("t")), transport=transport) as client:
        with pytest.raises(ApiError) as info:
            client.sync("")
    assert "\x1b" not in str(info.value) and "\x07" not in str(info.value)


def test_timeout_is_transport_error(recording: RecordingServer, make_client: ClientFactory) -> None:
    recording.reply = Reply(body=answer(data={"list": [], "keyBuff": ""}), delay=5.0)
    exc = capture(lambda: make_client(recording.url, read_timeout=0.2).sync(""))
    assert type(exc) is TransportError and exc.retryable
    assert "in time" in str(exc)
    assert_no_token(exc)


def test_connection_refused_is_transport_error(make_client: ClientFactory) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    exc = capture(lambda: make_client(f"http://127.0.0.1:{port}").sync(""))
    assert type(exc) is TransportError and exc.retryable
    assert f"127.0.0.1:{port}" in str(exc)
    assert_no_token(exc)


def test_demo_server_wrong_token(
    demo_server: Callable[..., DemoServer], make_client: ClientFactory
) -> None:
    server = demo_server(seed_items())
    exc = capture(lambda: make_client(server.url, token="nope-" + SECRET[::-1]).sync(""))
    assert isinstance(exc, AuthError)
    assert_no_token(exc, "nope-" + SECRET[::-1])
    page = make_client(server.url).sync("")
    assert len(page.messages) == 19


# ---- no token in reprs -----------------------------------------------------------------------


def test_secret_and_client_reprs_hide_the_token(make_client: ClientFactory) -> None:
    secret = Secret(SECRET)
    assert SECRET not in repr(secret) and SECRET not in str(secret) and SECRET not in f"{secret}"
    assert secret.reveal() == SECRET
    assert bool(secret) and not Secret("")
    client = make_client("http://127.0.0.1:9")
    assert SECRET not in repr(client)
    assert SECRET not in repr(client.config)
    assert SECRET not in str(client.config)


@pytest.mark.parametrize(
    "bad_token",
    [SECRET + " ", " " + SECRET, SECRET + "\n", SECRET + "\x00", SECRET + "ö", SECRET + "\u00a0"],
    ids=["trailing-space", "leading-space", "newline", "nul", "non-ascii", "nbsp"],
)
def test_malformed_token_never_leaks(
    demo_server: Callable[..., DemoServer], make_client: ClientFactory, bad_token: str
) -> None:
    # A pasted token with stray whitespace or a non-ASCII character cannot be sent as a header
    # value. The error must be a typed SyncError that does not retry forever and never carries
    # the token (httpx/h11 put the rejected header value in their message).
    server = demo_server(seed_items(), token="the-server-token")
    exc = capture(lambda: make_client(server.url, token=bad_token).sync(""))
    assert_no_token(exc, SECRET)
    assert exc.retryable is False
