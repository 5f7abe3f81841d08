"""Turn the bytes of a SQL file into text, saying which encoding was used.

Order: a byte-order mark (UTF-8, UTF-16 LE/BE) wins; else strict UTF-8; else GB18030 (a
superset of GBK and GB2312, what Chinese vendors' editors write). Bytes that are not valid
GB18030 either are decoded with U+FFFD replacement characters and reported as
``gb18030-replace``, so the engine can ask a human to look instead of guessing silently.
"""

from __future__ import annotations

import codecs

__all__ = ["FALLBACK_ENCODINGS", "decode_sql"]

#: Encodings the engine reports with an HC001 "encoding fallback" finding.
FALLBACK_ENCODINGS = frozenset({"gb18030", "gb18030-replace"})

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def decode_sql(data: bytes) -> tuple[str, str]:
    """Decode SQL file content; return ``(text, encoding)``. Never raises on any input."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            body = data[len(bom) :]
            codec = "utf-8" if name == "utf-8-sig" else name
            try:
                return body.decode(codec), name
            except UnicodeDecodeError:
                return body.decode(codec, errors="replace"), name + "-replace"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace"), "gb18030-replace"
