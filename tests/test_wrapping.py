"""Wrapping in the conversation: Latin words and URLs, CJK with kinsoku, emoji clusters."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from finder_tui.tui.cells import NO_LINE_END, NO_LINE_START, wrap


def test_a_latin_word_that_fits_on_a_line_of_its_own_is_never_split() -> None:
    assert wrap("Thanks! 下次直播我一定来", 10) == ["Thanks! 下", "次直播我一", "定来"]
    assert wrap("hello world this is a test", 10) == ["hello", "world this", "is a test"]


def test_a_url_too_long_for_a_line_breaks_after_slash_question_mark_ampersand_equals() -> None:
    lines = wrap("链接在这里：https://example.com/item?id=42&from=finder", 16)
    assert lines == ["链接在这里：", "https://", "example.com/", "item?id=42&from=", "finder"]
    assert "".join(lines) == "链接在这里：https://example.com/item?id=42&from=finder"


def test_a_hyphenated_word_breaks_after_its_hyphens() -> None:
    assert wrap("a-very-long-hyphenated-word here", 12) == [
        "a-very-long-",
        "hyphenated-",
        "word here",
    ]


def test_no_line_starts_with_closing_punctuation_or_ends_with_an_opening_bracket() -> None:
    lines = wrap("这个价格还能再便宜点吗，我们是一家做本地生活的公司。", 10)
    assert lines == ["这个价格还", "能再便宜点", "吗，我们是", "一家做本地", "生活的公", "司。"]
    assert wrap("你好「世界」你好「世界」你好", 8) == ["你好「世", "界」你好", "「世界」", "你好"]


def test_an_emoji_zwj_family_is_never_cut() -> None:
    for line in wrap("好" * 4 + "👨‍👩‍👧" + "好" * 4, 9):
        assert "\u200d" not in line or "👨‍👩‍👧" in line


_TEXT = st.lists(
    st.sampled_from([*"ab cd/?&=-，。！「」（你好世界", "👍🏻", "👨‍👩‍👧"]), max_size=80
).map("".join)


@settings(max_examples=300, deadline=None)
@given(text=_TEXT, width=st.integers(min_value=4, max_value=30))
def test_wrapping_loses_nothing_but_spaces_and_keeps_the_width(text: str, width: int) -> None:
    lines = wrap(text, width)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert all(cell_len(line) <= width for line in lines)


def _no_punctuation_runs(text: str) -> bool:
    marks = NO_LINE_START | NO_LINE_END
    return not any(a in marks and b in marks for a, b in zip(text, text[1:], strict=False))


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(alphabet=st.sampled_from(list("你好世界，。！「」（")), max_size=60).filter(
        _no_punctuation_runs
    )
)
def test_kinsoku_holds_for_cjk_text(text: str) -> None:
    lines = wrap(text, 8)
    for previous, line in zip(lines, lines[1:], strict=False):
        assert not (line and line[0] in NO_LINE_START and len(previous) > 1), lines
        assert not (previous and previous[-1] in NO_LINE_END and len(previous) > 1), lines


@pytest.mark.parametrize("width", [1, 2, 3])
def test_a_narrow_width_still_makes_progress(width: int) -> None:
    assert "".join(wrap("你好，world", width)).replace(" ", "") == "你好，world"
