"""A list (changes, faults) as a spreadsheet a hospital files: CSV (UTF-8 with a BOM, so
spreadsheet programs read the Chinese right) or XLSX (openpyxl, the ``paper`` extra)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from hischange.errors import ConfigError

__all__ = ["table_bytes"]


def table_bytes(fmt: str, sheet: str, head: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    """``rows`` under ``head`` as ``csv`` or ``xlsx`` bytes."""
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(head)
        writer.writerows(rows)
        return ("\ufeff" + out.getvalue()).encode("utf-8")
    try:
        from openpyxl import Workbook
    except ImportError as exc:
        raise ConfigError(
            f"XLSX output needs openpyxl ({exc})", hint="pip install 'hischange[paper]'"
        ) from None
    book = Workbook()
    page = book.active
    assert page is not None
    page.title = sheet
    page.append(list(head))
    for row in rows:
        page.append(list(row))
    page.freeze_panes = "A2"
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()
