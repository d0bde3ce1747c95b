"""URLs in messages become hyperlinks on the wrapped lines that show them."""

from __future__ import annotations

from finder_tui.tui.cells import wrap
from finder_tui.tui.links import line_links, urls_in_text


def test_every_wrapped_piece_of_a_url_links_to_the_whole_url() -> None:
    body = "see https://example.com/a/very/long/path?x=1&y=2 now"
    lines = wrap(body, 16)
    pieces = [span for spans in line_links(body, lines) for span in spans]
    url = "https://example.com/a/very/long/path?x=1&y=2"
    assert {span[2] for span in pieces} == {url}
    assert (
        "".join(
            line[s:e]
            for line, spans in zip(lines, line_links(body, lines), strict=True)
            for s, e, _u in spans
        )
        == url
    )


def test_a_joiner_that_joins_nothing_before_a_url_keeps_the_url_linked() -> None:
    body = "ok\u200d https://example.com/path/to/some/page/here"
    lines = wrap(body, 20)
    assert lines[0] == "ok https://"
    pieces = [span for spans in line_links(body, lines) for span in spans]
    assert pieces[0] == (3, 11, "https://example.com/path/to/some/page/here")
    assert {span[2] for span in pieces} == {"https://example.com/path/to/some/page/here"}


def test_only_web_links_are_found_and_trailing_punctuation_is_left_out() -> None:
    found = [url for _s, _e, url in urls_in_text("a javascript://x b https://ex.org/p. c")]
    assert found == ["https://ex.org/p"]
