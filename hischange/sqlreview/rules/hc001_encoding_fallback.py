"""HC001: the file was not UTF-8 and was decoded as GB18030."""

from __future__ import annotations

from hischange.sqlreview.rules.base import Rule

__all__ = ["EncodingFallback"]


class EncodingFallback(Rule):
    """The file was neither UTF-8 nor BOM-marked and was decoded as GB18030.

    Scripts saved by Windows tools in GBK read correctly as GB18030, but a database client that
    assumes UTF-8 will corrupt their Chinese comments and literals. The engine reports this as a
    note so the reviewer can check the client's character set.

    Anti-pattern:

        -- 删除过期数据   (saved as GBK, run by a UTF-8 client)

    Best practice:

        -- 删除过期数据   (saved as UTF-8)
    """

    code = "HC001"
    name = "encoding-fallback"
    severity = "info"
    family = "engine"
