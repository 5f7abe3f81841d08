"""pytest plugin (entry point ``pytest11``): records a run as test evidence for changes.

Without ``--hischange-change`` or a ``hischange`` marker it does nothing.
"""

from __future__ import annotations

import pytest

__all__ = ["pytest_addoption", "pytest_configure"]


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--hischange-change CR-…`` (repeatable)."""
    group = parser.getgroup("hischange", "hischange test evidence (测试记录)")
    group.addoption(
        "--hischange-change",
        action="append",
        default=[],
        metavar="CR-ID",
        help="Record this run as test evidence for the change (repeatable).",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker so --strict-markers accepts it."""
    config.addinivalue_line(
        "markers", "hischange(change_id): this test is evidence for the named change(s)"
    )
