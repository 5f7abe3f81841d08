"""Test cases by reference: every case of a report kept in the attachment store, compressed.

A report of half a million cases made one ledger event of ~80 MB, and every reader of the
ledger (``audit verify``, ``audit trace``) paid for it. The event now keeps the summary, the
failed cases (up to ``FAILURES_KEPT``) and a *reference*: the SHA-256, size and count of a
blob in the content-addressed attachment store (``.hischange/attachments/``) that holds every
case, one JSON object per line (keys sorted), gzip-compressed (no name, time 0, so the same
cases give the same bytes with the same zlib). The hash chain covers the reference, so the
blob is as tamper-evident as the event: ``audit verify`` checks it is present and hashes to
the reference (missing or corrupt is an integrity failure).

Events written before this kept their cases inline (``"cases": [...]``); ``iter_cases`` reads
both shapes.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO

import orjson
from pydantic import BaseModel, ConfigDict, Field

from hischange.errors import IntegrityError
from hischange.testing.attachments import attachment_path, attachment_state, store_written

__all__ = [
    "CASES_ENCODING",
    "FAILURES_KEPT",
    "CasesRef",
    "cases_by_reference",
    "iter_cases",
    "read_cases",
    "store_cases",
]

#: How the stored cases are encoded: JSON Lines, gzip-compressed.
CASES_ENCODING = "jsonl+gzip"
#: The failed (and errored) cases the event keeps inline, in report order; the rest are only
#: in the blob, and the event says how many were left out.
FAILURES_KEPT = 1000
_FAILED = frozenset({"failed", "error"})
_BATCH = 2000


class CasesRef(BaseModel):
    """Where a report's cases are: the stored blob's SHA-256 and size, and the case count."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(ge=0)
    count: int = Field(ge=0)
    encoding: str = CASES_ENCODING


def _as_dict(case: object) -> dict[str, Any]:
    if isinstance(case, Mapping):
        return dict(case)
    return orjson.loads(orjson.dumps(case))  # type: ignore[no-any-return]


def store_cases(attachments_dir: Path, cases: Iterable[object]) -> CasesRef:
    """Write ``cases`` (dataclass instances or dicts) to the store as gzip'd JSON Lines,
    streamed: the cases are encoded in small batches, never as one document."""
    count = 0

    def write(sink: BinaryIO) -> None:
        nonlocal count
        dumps, option = orjson.dumps, orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE
        with gzip.GzipFile(filename="", mode="wb", fileobj=sink, mtime=0, compresslevel=6) as out:
            batch: list[bytes] = []
            for case in cases:
                batch.append(dumps(case, option=option))
                if len(batch) >= _BATCH:
                    out.write(b"".join(batch))
                    count += len(batch)
                    batch.clear()
            out.write(b"".join(batch))
            count += len(batch)

    digest, size = store_written(attachments_dir, write)
    return CasesRef(sha256=digest, size=size, count=count)


def cases_by_reference(
    attachments_dir: Path,
    cases: Iterable[object],
    outcome: Callable[[object], str],
) -> dict[str, Any]:
    """What an event keeps of ``cases``: the reference to the stored blob, the failed and
    errored cases (at most ``FAILURES_KEPT``) and how many failed ones were left out."""
    failed: list[object] = []
    omitted = 0

    def watch(items: Iterable[object]) -> Iterator[object]:
        nonlocal omitted
        for case in items:
            if outcome(case) in _FAILED:
                if len(failed) < FAILURES_KEPT:
                    failed.append(case)
                else:
                    omitted += 1
            yield case

    ref = store_cases(attachments_dir, watch(cases))
    out: dict[str, Any] = {
        "cases_ref": ref.model_dump(mode="json"),
        "failed_cases": [_as_dict(c) for c in failed],
    }
    if omitted:
        out["failed_cases_omitted"] = omitted
    return out


def read_cases(attachments_dir: Path, ref: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """The cases of a stored blob, one at a time; an integrity error (exit 4) when the blob
    is missing, does not hash to the reference, or is not what the reference says."""
    sha = str(ref.get("sha256", ""))
    state = attachment_state(attachments_dir, sha)
    if state != "present":
        raise IntegrityError(
            f"the stored test cases {sha[:16]}… are {state}",
            hint="restore .hischange/attachments/ from a backup; `hischange audit verify` "
            "lists every missing or corrupt attachment",
        )
    if ref.get("encoding", CASES_ENCODING) != CASES_ENCODING:
        raise IntegrityError(f"the stored test cases {sha[:16]}… use an unknown encoding")
    count = 0
    try:
        with gzip.open(attachment_path(attachments_dir, sha), "rb") as lines:
            for line in lines:
                count += 1
                yield orjson.loads(line)
    except (OSError, EOFError, orjson.JSONDecodeError) as exc:
        raise IntegrityError(f"the stored test cases {sha[:16]}… cannot be read: {exc}") from None
    if count != ref.get("count", count):
        raise IntegrityError(
            f"the stored test cases {sha[:16]}… hold {count} cases, the event says "
            f"{ref.get('count')}"
        )


def iter_cases(attachments_dir: Path, part: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """Every case of one report (or pytest run) of an evidence event, whichever shape the
    event has: inline ``cases`` (written before cases went by reference) or ``cases_ref``."""
    ref = part.get("cases_ref")
    if isinstance(ref, Mapping):
        yield from read_cases(attachments_dir, ref)
    else:
        yield from part.get("cases") or ()
