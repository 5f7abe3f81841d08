"""The assessor bundle (审计包): the ledger, its attachments and the period's reports in one
zip that verifies on a machine with only hischange installed (no repository, no store).

Layout (docs/auditor.md): ``manifest.json`` (canonical JSON: format, period, ledger head,
the SHA-256 and size of every other member), ``ledger/events.jsonl`` (each event's hashed
bytes, one per line, in sequence order), ``ledger/hashes.txt`` (``SEQ HASH`` per line),
``attachments/xx/<sha256>`` (every file an event refers to), ``reports/`` (each finished
month's report as JSON and HTML). The zip is written deterministically (stored, fixed
times), so verification rebuilds it and any byte changed in the container shows.

Verification runs the chain core ``audit verify`` runs (``ChainCursor`` and the replay of
every event through the projector) over the bundle's events, so checks added there apply
to bundles too.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from pydantic import BaseModel, ConfigDict

from hischange.errors import IntegrityError, StoreError, UsageError, clip
from hischange.files import open_regular
from hischange.ledger import ChainCursor, ChainRow, VerifyRow, canonical
from hischange.project import Project
from hischange.services.audit import _compare_head, _Replay, read_log
from hischange.services.reports import (
    AssessmentReport,
    MonthlyReport,
    _zone,
    assessment_report,
    monthly_report,
    parse_half,
    parse_month,
    site_header,
)

__all__ = ["BUNDLE_FORMAT", "BundleProblem", "BundleReport", "export_bundle", "verify_bundle"]

BUNDLE_FORMAT = "hischange-bundle/1"
MANIFEST = "manifest.json"
EVENTS = "ledger/events.jsonl"
HASHES = "ledger/hashes.txt"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SHA = re.compile(r"^[0-9a-f]{64}$")
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_CHUNK = 1 << 20


class BundleProblem(BaseModel):
    """One thing wrong with a bundle, and where."""

    model_config = ConfigDict(frozen=True)

    place: str
    damage: str
    detail: str


class BundleReport(BaseModel):
    """What ``audit export`` wrote or ``audit verify --bundle`` found."""

    model_config = ConfigDict(frozen=True)

    ok: bool
    bundle: str
    events: int
    head_seq: int
    head_hash: str
    attachments: int
    reports: tuple[str, ...]
    period: dict[str, str]
    problems: tuple[BundleProblem, ...] = ()


def _info(name: str, size: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
    info.compress_type = zipfile.ZIP_STORED
    info.create_system = 3
    info.external_attr = 0o100644 << 16
    info.file_size = size
    return info


def _write_member(zf: zipfile.ZipFile, name: str, size: int, chunks: Iterator[bytes]) -> None:
    with zf.open(_info(name, size), "w") as out:
        for chunk in chunks:
            out.write(chunk)


def _file_chunks(path: Path) -> Iterator[bytes]:
    with open_regular(path, "attachment") as handle:
        while chunk := handle.read(_CHUNK):
            yield chunk


def _parse_day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    if not _DATE.match(text.strip()):
        raise UsageError(
            f"{option} {clip(text)} is not YYYY-MM-DD", hint=f"e.g. {option} 2026-11-01"
        )
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(
            f"{option} {clip(text)} is not a date", hint=f"e.g. {option} 2026-11-01"
        ) from None


def _attachment_refs(value: Any, found: set[str]) -> None:
    """Every attachment an event refers to: an object with a ``sha256`` and a
    ``media_type`` (the shape of ``testing.Attachment``)."""
    if isinstance(value, dict):
        digest = value.get("sha256")
        if isinstance(digest, str) and _SHA.match(digest) and "media_type" in value:
            found.add(digest)
        for item in value.values():
            _attachment_refs(item, found)
    elif isinstance(value, list):
        for item in value:
            _attachment_refs(item, found)


def export_bundle(
    proj: Project,
    out: Path,
    *,
    since: str | None = None,
    until: str | None = None,
    render: Callable[[MonthlyReport | AssessmentReport], bytes] | None = None,
) -> BundleReport:
    """Write the bundle to ``out`` (whole or not at all). The ledger is exported from its
    first event up to ``until`` (a chain is proven from its start); ``since``/``until``
    (site dates, inclusive) choose the period the manifest names and the reports cover.
    ``render`` adds each report as a document too (the CLI passes the HTML renderer)."""
    first_day, last_day = _parse_day(since, "--since"), _parse_day(until, "--until")
    if os.path.lexists(out) and not out.is_symlink() and not out.is_file():
        raise UsageError(f"--bundle {out} is not a file", hint="give the path of a .zip to write")
    if first_day and last_day and first_day > last_day:
        raise UsageError("--since is after --until", hint="give the period's first day first")
    site = site_header(proj)
    zone = _zone(site)
    start = (
        datetime.combine(first_day, datetime.min.time(), zone).astimezone(UTC)
        if first_day
        else None
    )
    end = (
        datetime.combine(last_day + timedelta(days=1), datetime.min.time(), zone).astimezone(UTC)
        if last_day
        else None
    )
    rows: list[ChainRow] = []
    refs: set[str] = set()
    period_seqs: list[int] = []
    for row in proj.store.chain_rows():
        at = datetime.fromisoformat(row[7].replace("Z", "+00:00"))
        if end is not None and at >= end:
            break
        rows.append(row)
        if start is None or at >= start:
            period_seqs.append(row[0])
        if b'"media_type"' in row[1]:  # only events holding a file refer to one
            _attachment_refs(json.loads(row[1]).get("event"), refs)
    attachments_dir = proj.state_dir / "attachments"
    members: list[tuple[str, int, Callable[[], Iterator[bytes]], str]] = []
    events_blob = b"".join(r[1] + b"\n" for r in rows)
    hashes_blob = b"".join(b"%d %s\n" % (r[0], r[3].encode("ascii")) for r in rows)
    members.append((EVENTS, len(events_blob), lambda: iter((events_blob,)), _sha(events_blob)))
    members.append((HASHES, len(hashes_blob), lambda: iter((hashes_blob,)), _sha(hashes_blob)))
    for digest in sorted(refs):
        path = attachments_dir / digest[:2] / digest
        if not path.is_file():
            raise IntegrityError(
                f"attachment {digest[:16]}… referred to by the ledger is missing from "
                f"{attachments_dir}",
                hint="restore the attachment store from backup; `evidence list` shows which",
            )
        size = path.stat().st_size
        members.append(
            (
                f"attachments/{digest[:2]}/{digest}",
                size,
                functools.partial(_file_chunks, path),
                digest,
            )
        )
    reports = _reports(proj, rows, start, end, zone, render)
    for name, blob in reports:
        members.append((name, len(blob), functools.partial(iter, (blob,)), _sha(blob)))
    head_seq, head_hash = (rows[-1][0], rows[-1][3]) if rows else (0, "00" * 32)
    period = {
        "since": first_day.isoformat() if first_day else "",
        "until": last_day.isoformat() if last_day else "",
        "timezone": site.timezone,
        "first_seq": str(period_seqs[0]) if period_seqs else "",
        "last_seq": str(period_seqs[-1]) if period_seqs else "",
    }
    types: dict[str, int] = {}
    for r in rows:
        types[r[5]] = types.get(r[5], 0) + 1
    manifest = {
        "format": BUNDLE_FORMAT,
        "period": period,
        "ledger": {"events": len(rows), "head_seq": head_seq, "head_hash": head_hash},
        "event_types": types,
        "site": site.model_dump(mode="json"),
        "files": [{"path": n, "sha256": h, "size": s} for n, s, _, h in members],
    }
    manifest_blob = canonical(manifest)
    _write_zip(
        out,
        [
            (MANIFEST, len(manifest_blob), lambda: iter((manifest_blob,))),
            *[(n, s, c) for n, s, c, _ in members],
        ],
    )
    return BundleReport(
        ok=True,
        bundle=str(out),
        events=len(rows),
        head_seq=head_seq,
        head_hash=head_hash,
        attachments=len(refs),
        reports=tuple(n for n, _ in reports),
        period=period,
    )


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _reports(
    proj: Project,
    rows: list[ChainRow],
    start: datetime | None,
    end: datetime | None,
    zone: Any,
    render: Callable[[MonthlyReport | AssessmentReport], bytes] | None,
) -> list[tuple[str, bytes]]:
    """Each finished month of the period, and each finished half year it touches: the
    report as JSON (and rendered)."""
    if not rows:
        return []
    first = start or datetime.fromisoformat(rows[0][7].replace("Z", "+00:00"))
    now = proj.store.clock()
    last = min(end, now) if end else now
    local, stop = first.astimezone(zone), (last - timedelta(microseconds=1)).astimezone(zone)
    year, month = local.year, local.month
    out: list[tuple[str, bytes]] = []
    halves: set[str] = set()
    records = read_log(proj)
    while (year, month) <= (stop.year, stop.month):
        name = f"{year:04d}-{month:02d}"
        report = monthly_report(proj, name, records=records)
        if report.period_end <= now:
            out.append((f"reports/monthly-{name}.json", canonical(report.model_dump(mode="json"))))
            if render is not None:
                out.append((f"reports/monthly-{name}.html", render(report)))
        halves.add(f"{year}H{1 if month <= 6 else 2}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    site = site_header(proj)
    for half in sorted(halves):
        if parse_month(parse_half(half)[1][-1], site)[2] > now:
            continue  # not over: no assessment yet
        assessment = assessment_report(proj, half)
        if assessment.period_end <= now:
            out.append(
                (f"reports/assessment-{half}.json", canonical(assessment.model_dump(mode="json")))
            )
            if render is not None:
                out.append((f"reports/assessment-{half}.html", render(assessment)))
    return out


def _write_zip(
    out: Path, members: Sequence[tuple[str, int, Callable[[], Iterator[bytes]]]]
) -> None:
    folder = out.parent if str(out.parent) else Path(".")
    try:
        fd, temp = tempfile.mkstemp(dir=folder, prefix=f".{out.name}.")
    except OSError as exc:
        raise StoreError(f"cannot write {out}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            _zip_into(handle, members)
        os.replace(temp, out)
    except OSError as exc:
        Path(temp).unlink(missing_ok=True)
        raise StoreError(f"cannot write {out}: {exc.strerror or exc}") from None
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _zip_into(
    handle: IO[bytes], members: Sequence[tuple[str, int, Callable[[], Iterator[bytes]]]]
) -> None:
    with zipfile.ZipFile(handle, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
        for name, size, chunks in members:
            _write_member(zf, name, size, chunks())


def verify_bundle(path: Path) -> BundleReport:
    """Check a bundle with nothing but the file: the container, the manifest, every
    member's SHA-256, the hash chain and a replay of every event, the head, and every
    attachment the events refer to. Problems name their place."""
    with open_regular(path, "bundle") as handle:
        return _verify_open(path, handle)


def _verify_open(path: Path, handle: IO[bytes]) -> BundleReport:
    problems: list[BundleProblem] = []
    try:
        zf = zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise IntegrityError(
            f"{path} is not a readable bundle: {exc}", hint="the zip itself is damaged"
        ) from None
    with zf:
        contents: dict[str, bytes | None] = {}
        for info in zf.infolist():
            try:
                contents[info.filename] = zf.read(info) if info.file_size <= 64 * _CHUNK else None
            except (zipfile.BadZipFile, OSError, ValueError) as exc:
                problems.append(
                    BundleProblem(place=info.filename, damage="edited", detail=str(exc))
                )
        manifest = _manifest(contents.get(MANIFEST), problems)
        files = {f["path"]: f for f in manifest.get("files", []) if isinstance(f, dict)}
        for name in sorted(set(files) - set(contents)):
            problems.append(
                BundleProblem(
                    place=name,
                    damage="missing",
                    detail="listed in the manifest but not in the bundle",
                )
            )
        for name in sorted(set(contents) - set(files) - {MANIFEST}):
            problems.append(
                BundleProblem(
                    place=name, damage="inserted", detail="in the bundle but not in the manifest"
                )
            )
        for name in sorted(set(files) & set(contents)):
            digest = _member_sha(zf, name, contents[name])
            if digest is not None and digest != files[name].get("sha256"):
                problems.append(
                    BundleProblem(
                        place=name, damage="edited", detail="SHA-256 differs from the manifest"
                    )
                )
        found = manifest.get("ledger")
        ledger: dict[str, Any] = found if isinstance(found, dict) else {}
        events, head_seq, head_hash, refs = _chain(
            contents.get(EVENTS) or b"", contents.get(HASHES) or b"", ledger, problems
        )
        for digest in sorted(refs):
            name = f"attachments/{digest[:2]}/{digest}"
            if name not in contents:
                problems.append(
                    BundleProblem(
                        place=name, damage="missing", detail="an event refers to this attachment"
                    )
                )
            elif _member_sha(zf, name, contents[name]) != digest:
                problems.append(
                    BundleProblem(
                        place=name, damage="edited", detail="content does not hash to its name"
                    )
                )
        if not problems:
            problems.extend(_container(handle, zf))
    reports = tuple(sorted(n for n in contents if n.startswith("reports/")))
    return BundleReport(
        ok=not problems,
        bundle=str(path),
        events=events,
        head_seq=head_seq,
        head_hash=head_hash,
        attachments=len(refs),
        reports=reports,
        period={k: str(v) for k, v in (manifest.get("period") or {}).items()},
        problems=tuple(problems),
    )


def _member_sha(zf: zipfile.ZipFile, name: str, data: bytes | None) -> str | None:
    if data is not None:
        return _sha(data)
    digest = hashlib.sha256()
    try:
        with zf.open(name) as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
    except (zipfile.BadZipFile, OSError):
        return None
    return digest.hexdigest()


def _manifest(blob: bytes | None, problems: list[BundleProblem]) -> dict[str, Any]:
    if blob is None:
        problems.append(
            BundleProblem(place=MANIFEST, damage="missing", detail="the bundle has no manifest")
        )
        return {}
    try:
        data = json.loads(blob)
    except ValueError:
        data = None
    if not isinstance(data, dict) or data.get("format") != BUNDLE_FORMAT:
        problems.append(
            BundleProblem(place=MANIFEST, damage="edited", detail=f"not a {BUNDLE_FORMAT} manifest")
        )
        return {}
    if canonical(data) != blob:
        problems.append(
            BundleProblem(
                place=MANIFEST, damage="edited", detail="not the canonical JSON it was written as"
            )
        )
    return data


def _container(original: IO[bytes], zf: zipfile.ZipFile) -> list[BundleProblem]:
    """Rebuild the zip from its members as ``export_bundle`` writes it; any other byte (a
    header, a time, a comment, trailing data) differs from the rebuild."""
    with tempfile.TemporaryFile() as rebuilt:
        members = [
            (info.filename, info.file_size, functools.partial(_zip_chunks, zf, info.filename))
            for info in zf.infolist()
        ]
        _zip_into(rebuilt, members)
        rebuilt.seek(0)
        original.seek(0)
        offset = 0
        while True:
            a, b = original.read(_CHUNK), rebuilt.read(_CHUNK)
            if a != b:
                at = offset + next(
                    (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y),
                    min(len(a), len(b)),
                )
                return [
                    BundleProblem(
                        place=f"zip container, byte {at}",
                        damage="edited",
                        detail="the container differs from the bundle as written "
                        "(a header, time or comment was changed)",
                    )
                ]
            if not a:
                return []
            offset += len(a)


def _zip_chunks(zf: zipfile.ZipFile, name: str) -> Iterator[bytes]:
    with zf.open(name) as handle:
        while chunk := handle.read(_CHUNK):
            yield chunk


def _chain(
    events: bytes, hashes: bytes, ledger: dict[str, Any], problems: list[BundleProblem]
) -> tuple[int, int, str, set[str]]:
    """Walk the bundle's events with the chain core of ``audit verify``."""
    lines = events.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    digests: dict[int, str] = {}
    for number, line in enumerate(hashes.decode("ascii", "replace").splitlines(), 1):
        seq_text, _, digest = line.partition(" ")
        if not seq_text.isdigit() or not _SHA.match(digest):
            problems.append(
                BundleProblem(
                    place=f"{HASHES} line {number}", damage="edited", detail="not SEQ HASH"
                )
            )
            continue
        digests[int(seq_text)] = digest
    refs: set[str] = set()
    rows: list[VerifyRow] = []
    for number, body in enumerate(lines, 1):
        try:
            doc = json.loads(body)
            seq = int(doc["seq"])
            row: VerifyRow = (
                seq, body, str(doc["prev_hash"]), digests.get(seq, ""), str(doc["algorithm"]),
                str(doc["event"]["type"]), str(doc["actor"]), str(doc["at"]),
                doc["event"].get("change_id"),
            )  # fmt: skip
            _attachment_refs(doc["event"], refs)
        except (ValueError, KeyError, TypeError):
            row = (number, body, "", digests.get(number, ""), "", "", "", "", None)
        rows.append(row)
    cursor = ChainCursor()
    replay = _Replay()
    count, last = 0, None
    for count, (last, span) in enumerate(cursor.walk(rows), 1):  # noqa: B007 - used after
        if not cursor.broken:
            replay.feed(cursor, last, span)
    for problem in cursor.problems:
        problems.append(
            BundleProblem(
                place=f"{EVENTS} sequence {problem.seq}",
                damage=problem.damage,
                detail=problem.detail,
            )
        )
    if replay.error is not None and not cursor.problems:
        seq, damage, detail = replay.error
        problems.append(
            BundleProblem(place=f"{EVENTS} sequence {seq}", damage=damage, detail=detail)
        )
    last_seq, last_hash = (rows[-1][0], rows[-1][3]) if rows else (0, "00" * 32)
    want_seq, want_hash = ledger.get("head_seq"), ledger.get("head_hash")
    if isinstance(want_seq, int) and isinstance(want_hash, str):
        for p in _compare_head(last_seq, last_hash, want_seq, want_hash):
            problems.append(
                BundleProblem(
                    place=f"{EVENTS} sequence {p.seq}",
                    damage=p.damage,
                    detail=p.detail.replace("ledger head", "manifest's ledger head"),
                )
            )
    if len(rows) != len(digests):
        problems.append(
            BundleProblem(
                place=HASHES,
                damage="edited",
                detail=f"{len(digests)} hashes for {len(rows)} events",
            )
        )
    del count, last
    return len(rows), last_seq, last_hash, refs
