"""``display_width`` answers ASCII and the common wide ranges without importing wcwidth
(start-up of `change list`, issue 17), and gives wcwidth's answer everywhere."""

from __future__ import annotations

from wcwidth import wcwidth

from hischange.cli.render import WIDE_RANGES, display_width


def _wcwidth(text: str) -> int:
    return sum(max(wcwidth(ch), 0) for ch in text)


def test_every_code_point_of_the_fast_ranges() -> None:
    """Every printable ASCII character and every code point of WIDE_RANGES: as wcwidth."""
    points = [*range(0x20, 0x7F), *(c for low, high in WIDE_RANGES for c in range(low, high + 1))]
    assert [display_width(chr(c)) for c in points] == [_wcwidth(chr(c)) for c in points]


def test_the_rest_as_wcwidth() -> None:
    """Controls, combining marks (also the tone marks inside CJK punctuation), emoji,
    zero-width joiners and half-width katakana fall back to wcwidth."""
    samples = [
        "",
        "门诊挂号费调整 CR-2026-0001",
        "e\u0301",  # combining acute
        "\u302a\u302f",  # ideographic tone marks: zero width
        "\x00\x07\x1b[0m\x7f",
        "👩\u200d⚕️ 医生",
        "ｱｲｳ",
        "Ａ，；、。",
        "\u3000\u303f",
    ]
    for text in samples:
        assert display_width(text) == _wcwidth(text), text
    for code in range(0x0, 0x3100):
        assert display_width(chr(code)) == _wcwidth(chr(code)), hex(code)
