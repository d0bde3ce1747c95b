"""Images: /getMsgImg through the vendor client, the download's guards, the cache in the
store directory, and ``finder-tui media`` against the demo server's real PNGs."""

from __future__ import annotations

import os
import stat
import struct
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import orjson
import pytest

from finder_tui.cli import main
from finder_tui.client import FinderClient
from finder_tui.demo.data import build_item
from finder_tui.demo.kinds import ME, PEER, SAMPLES
from finder_tui.demo.server import DemoServer
from finder_tui.media import MediaCache, MediaError, MediaFetcher, fetch_image_url
from finder_tui.media.download import ImageBytes, check_image, download
from finder_tui.wire.models import Message, parse_item
from tests.conftest import DemoFactory

IMAGE_XML = dict((n, c) for n, _t, c in SAMPLES)["image"]
IMAGE_ID = 18446744073709551000  # near 2^64: must travel as an exact integer
SID = "0c0ffee0media@findermsg"


def image_item(new_msg_id: int = IMAGE_ID, seq: int = 1) -> dict[str, object]:
    return build_item(
        seq=seq,
        create_time=1764600000 + seq,
        new_msg_id=new_msg_id,
        msg_type=3,
        content=IMAGE_XML,
        from_user=PEER,
        to_user=ME,
        is_sender=0,
        session_id=SID,
    )


def image_message(new_msg_id: int = IMAGE_ID) -> Message:
    message = parse_item(image_item(new_msg_id))
    assert isinstance(message, Message)
    return message


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims ``width``×``height`` in a few bytes (a decompression bomb's shape)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.fixture()
def server(demo_server: DemoFactory) -> DemoServer:
    started: DemoServer = demo_server(items=[image_item()])
    return started


def test_get_msg_img_answers_a_url_to_a_real_png_on_the_demo_server(
    server: DemoServer, make_client: Callable[..., FinderClient]
) -> None:
    url = fetch_image_url(make_client(server.url), image_message())
    assert url == f"{server.url}/media/{IMAGE_ID}.png"
    image = download(url)
    assert (image.ext, image.width, image.height) == ("png", 360, 270)


def test_an_image_the_server_does_not_know_reads_as_expired(
    server: DemoServer, make_client: Callable[..., FinderClient]
) -> None:
    with pytest.raises(MediaError) as caught:
        fetch_image_url(make_client(server.url), image_message(12345))
    assert str(caught.value).startswith("image unavailable: expired")


def test_media_command_writes_the_same_bytes_the_url_serves(
    server: DemoServer,
    server_env: Callable[[DemoServer], dict[str, str]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server_env(server)
    store = tmp_path / "store"
    assert main(["sync", "--once", "--store", str(store)]) == 0
    out = tmp_path / "picture.png"
    assert main(["media", str(IMAGE_ID), "--store", str(store), "--out", str(out)]) == 0
    served = httpx.get(f"{server.url}/media/{IMAGE_ID}.png").content
    assert out.read_bytes() == served and served.startswith(b"\x89PNG")
    cached = list((store / "media").glob("*.png"))
    assert len(cached) == 1 and stat.S_IMODE(cached[0].stat().st_mode) == 0o600
    assert stat.S_IMODE((store / "media").stat().st_mode) == 0o700
    capsys.readouterr()
    # a second time asks nothing of the server: the cache answers
    before = server.requests
    assert main(["media", str(IMAGE_ID), "--store", str(store), "--out", str(out), "--force"]) == 0
    assert server.requests == before
    assert main(["media", str(IMAGE_ID), "--store", str(store), "--out", str(out)]) == 2
    assert "exists" in capsys.readouterr().err


def test_media_command_keeps_to_the_configured_image_cap(
    server: DemoServer,
    server_env: Callable[[DemoServer], dict[str, str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server_env(server)
    store = tmp_path / "store"
    assert main(["sync", "--once", "--store", str(store)]) == 0
    config = tmp_path / "config.toml"
    config.write_text("image_max_mb = 0.001\n")  # 1 KB: the demo's PNG is ~3 KB
    monkeypatch.setenv("FINDER_TUI_CONFIG", str(config))
    capsys.readouterr()
    out = tmp_path / "picture.png"
    assert main(["media", str(IMAGE_ID), "--store", str(store), "--out", str(out)]) == 1
    assert "larger than 1 KB" in capsys.readouterr().err
    assert not out.exists() and not list((store / "media").glob("*.png"))


def test_media_command_for_an_unknown_message_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["media", "42", "--store", str(tmp_path / "s"), "--out", str(tmp_path / "x")]) == 1
    assert "no message 42" in capsys.readouterr().err


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.com/a.png", "javascript:alert(1)", "data:,x"]
)
def test_only_http_and_https_urls_are_downloaded(url: str) -> None:
    with pytest.raises(MediaError, match="not an http"):
        download(url)


def test_a_redirect_to_another_scheme_is_refused() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"location": "file:///etc/passwd"})

    with pytest.raises(MediaError, match="not an http"):
        download("https://cdn.example/a.png", transport=httpx.MockTransport(answer))


@pytest.mark.parametrize(
    "url", ["http://[::1/x.png", "http://xn--/a.png", f"http://{'b' * 300}.com/"]
)
def test_a_link_with_a_malformed_host_is_a_clear_error_not_a_crash(url: str) -> None:
    with pytest.raises(MediaError, match="not a valid link"):
        download(url, timeout=2)


def test_a_redirect_to_a_malformed_host_is_a_clear_error_not_a_crash() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"location": "http://xn--/a.png"})

    with pytest.raises(MediaError, match="not a valid link"):
        download("https://cdn.example/a.png", transport=httpx.MockTransport(answer))


def test_an_endless_body_without_a_length_stops_at_the_cap() -> None:
    def endless() -> Iterator[bytes]:
        while True:
            yield b"\0" * 4096

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=endless())

    with pytest.raises(MediaError, match="larger than"):
        download(
            "https://cdn.example/a.png", max_bytes=64 * 1024, transport=httpx.MockTransport(answer)
        )


def test_a_server_dripping_bytes_is_cut_off_at_the_overall_deadline() -> None:
    def drip() -> Iterator[bytes]:
        while True:
            time.sleep(0.02)
            yield b"\0"

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=drip())

    started = time.monotonic()
    with pytest.raises(MediaError, match="too slow"):
        download(
            "https://cdn.example/a.png", max_seconds=0.3, transport=httpx.MockTransport(answer)
        )
    assert time.monotonic() - started < 5


def test_an_image_over_the_size_cap_stops_the_download(server: DemoServer) -> None:
    with pytest.raises(MediaError, match="larger than 100 B"):
        download(f"{server.url}/media/{IMAGE_ID}.png", max_bytes=100)


def test_a_decompression_bomb_is_refused_before_decoding() -> None:
    with pytest.raises(MediaError, match="too many pixels"):
        check_image(png_header(100_000, 100_000))


def test_bytes_that_are_no_image_are_refused() -> None:
    with pytest.raises(MediaError, match="not an image"):
        check_image(b"<html>expired</html>")


def test_a_missing_image_link_on_the_demo_server_is_expired(server: DemoServer) -> None:
    with pytest.raises(MediaError, match="expired"):
        download(f"{server.url}/media/999.png")


def test_the_cache_evicts_the_least_recently_used_image_beyond_its_budget(
    tmp_path: Path,
) -> None:
    def image(n: int) -> ImageBytes:
        return ImageBytes(bytes([n]) * 1000, "png", 1, 1)

    cache = MediaCache(tmp_path, budget=2500)
    first = cache.put(1, image(1))
    cache.put(2, image(2))
    os.utime(first, (1, 1))  # long unused
    assert cache.get(2) is not None
    cache.put(3, image(3))
    assert cache.get(1) is None and not first.exists()
    assert cache.get(2) is not None and cache.get(3) is not None
    assert cache.usage() <= 2500


def test_offline_a_cached_image_is_still_shown(tmp_path: Path) -> None:
    cache = MediaCache(tmp_path)
    fetcher = MediaFetcher(cache, None)
    with pytest.raises(MediaError, match="offline"):
        fetcher.image(image_message())
    cache.put(IMAGE_ID, check_image(_tiny_png()))
    assert fetcher.image(image_message()).read_bytes() == _tiny_png()


def _tiny_png() -> bytes:
    from finder_tui.demo.media import render_png

    return render_png(7, 8, 6)


def test_the_demo_answers_get_msg_img_for_image_messages_only(
    demo_server: DemoFactory, make_client: Callable[..., FinderClient]
) -> None:
    text = build_item(
        seq=1,
        create_time=1764600000,
        new_msg_id=77,
        msg_type=1,
        content="hi",
        from_user=PEER,
        to_user=ME,
        is_sender=0,
        session_id=SID,
    )
    server = demo_server(items=[text])
    message = parse_item(orjson.loads(orjson.dumps(text)))
    assert isinstance(message, Message)
    with pytest.raises(MediaError, match="expired"):
        fetch_image_url(make_client(server.url), message)
