"""Decoding SQL bytes: BOMs, strict UTF-8, GB18030 fallback."""

from __future__ import annotations

import codecs

from hischange.sqlreview import decode_sql


def test_utf8_is_decoded_strictly() -> None:
    """Valid UTF-8 without a BOM is read as UTF-8."""
    assert decode_sql("SELECT '身份证号' FROM dual;".encode()) == (
        "SELECT '身份证号' FROM dual;",
        "utf-8",
    )


def test_boms_win() -> None:
    """A UTF-8 or UTF-16 byte-order mark decides the encoding and is not part of the text."""
    text = "-- 注释\nSELECT 1;"
    assert decode_sql(codecs.BOM_UTF8 + text.encode()) == (text, "utf-8-sig")
    assert decode_sql(codecs.BOM_UTF16_LE + text.encode("utf-16-le")) == (text, "utf-16-le")
    assert decode_sql(codecs.BOM_UTF16_BE + text.encode("utf-16-be")) == (text, "utf-16-be")


def test_gbk_falls_back_to_gb18030() -> None:
    """GBK bytes with Chinese comments are not UTF-8 and decode as GB18030."""
    text = "-- 删除测试患者\r\nDELETE FROM pat_test WHERE id = 1;\r\n"
    assert decode_sql(text.encode("gbk")) == (text, "gb18030")


def test_undecodable_bytes_are_replaced_and_named() -> None:
    """Bytes invalid even in GB18030 are replaced, and the encoding name says so."""
    text, encoding = decode_sql(b"SELECT \x80\xff;")
    assert encoding == "gb18030-replace"
    assert "\ufffd" in text and text.startswith("SELECT ")
