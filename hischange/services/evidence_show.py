"""Evidence as an assessor reads it: every recorded field of one evidence item (``evidence
show``), and its attachments written out with their SHA-256 checked (``evidence extract``).

A report's test cases are read through ``report_cases`` only, so that where the cases are
kept (in the event, or in the attachment store for big reports) is decided in one place.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from hischange.errors import IntegrityError, NotFoundError, StoreError, UsageError
from hischange.events import EvidenceRecorded, parse_event
from hischange.files import open_regular
from hischange.ids import EVIDENCE_ID, normalise_id
from hischange.project import Project
from hischange.services.onsite import ATTACHMENTS_DIR
from hischange.testing import display_name
from hischange.testing.attachments import attachment_path, verify_attachment
from hischange.workflow.evidence import EvidenceItem
from hischange.workflow.state import parse_state

__all__ = [
    "AttachmentCheck",
    "EvidenceShown",
    "Extracted",
    "evidence_event",
    "extract_evidence",
    "normalise_evidence_id",
    "report_cases",
    "show_evidence",
]


class AttachmentCheck(BaseModel):
    """One attachment as recorded, and whether the stored file still has its SHA-256."""

    model_config = ConfigDict(frozen=True)

    original_name: str
    media_type: str
    size: int
    sha256: str
    #: ok, missing (no stored file) or altered (the stored file hashes differently).
    stored: Literal["ok", "missing", "altered"]


class EvidenceShown(BaseModel):
    """One evidence item with everything its event recorded."""

    model_config = ConfigDict(frozen=True)

    item: EvidenceItem
    #: The recorded detail: an on-site record's fields, or the imported reports (each with
    #: its ``cases``, read through ``report_cases``), or a pytest run.
    detail: dict[str, Any]
    attachments: tuple[AttachmentCheck, ...]


class Extracted(BaseModel):
    """The files ``evidence extract`` wrote, each checked against its SHA-256."""

    model_config = ConfigDict(frozen=True)

    evidence_id: str
    folder: str
    files: tuple[tuple[str, str], ...]  # (file name written, sha256)


def normalise_evidence_id(text: str) -> str:
    """An evidence id in its written form (``EV-2026-0001``); a usage error otherwise."""
    return normalise_id(text, EVIDENCE_ID, "an evidence id", "EV-2026-0001")


def evidence_event(proj: Project, evidence_id: str) -> tuple[EvidenceItem, EvidenceRecorded]:
    """The evidence aggregate and the event that recorded it (read by its sequence number
    through the store's per-change index)."""
    ident = normalise_evidence_id(evidence_id)
    data = proj.store.aggregate("evidence", ident)
    if data is None:
        raise NotFoundError(
            f"no evidence {evidence_id}", hint="`hischange evidence list CR-…` shows a change's"
        )
    item = parse_state(EvidenceItem, data, "evidence", ident)
    first = item.change_ids[0] if item.change_ids else None
    for row in proj.store.stored_events(since_seq=item.seq - 1, change_id=first, batch=1):
        if row.seq != item.seq:
            break
        event = parse_event(json.loads(row.body)["event"])
        if isinstance(event, EvidenceRecorded) and event.evidence_id == ident:
            return item, event
        break
    raise IntegrityError(
        f"the event of {ident} (sequence {item.seq}) is missing or is not its record",
        hint="run `hischange audit verify` to find what was changed in the store",
    )


def report_cases(proj: Project, report: dict[str, Any]) -> list[dict[str, Any]]:
    """The test cases of one imported report as recorded (the one place that reads them)."""
    del proj  # where the cases live may need the project (the attachment store)
    cases = report.get("cases") or []
    return [dict(c) for c in cases]


def _with_cases(proj: Project, detail: dict[str, Any]) -> dict[str, Any]:
    out = dict(detail)
    if isinstance(out.get("reports"), list):
        out["reports"] = [{**r, "cases": report_cases(proj, r)} for r in out["reports"]]
    run = out.get("run")
    if isinstance(run, dict):
        out["run"] = {**run, "cases": report_cases(proj, run)}
    return out


def _attachments(proj: Project, detail: dict[str, Any]) -> tuple[AttachmentCheck, ...]:
    folder = proj.state_dir / ATTACHMENTS_DIR
    out = []
    for a in detail.get("attachments") or []:
        sha = str(a.get("sha256", ""))
        try:
            present = attachment_path(folder, sha).is_file()
        except UsageError:
            present = False
        stored: Literal["ok", "missing", "altered"] = (
            "missing" if not present else "ok" if verify_attachment(folder, sha) else "altered"
        )
        out.append(
            AttachmentCheck(
                original_name=str(a.get("original_name", "")),
                media_type=str(a.get("media_type", "")),
                size=int(a.get("size", 0)),
                sha256=sha,
                stored=stored,
            )
        )
    return tuple(out)


def show_evidence(proj: Project, evidence_id: str) -> EvidenceShown:
    """Every recorded field of one evidence item (``evidence show``), its attachments
    checked against their SHA-256 in the attachment store."""
    item, event = evidence_event(proj, evidence_id)
    return EvidenceShown(
        item=item,
        detail=_with_cases(proj, event.detail),
        attachments=_attachments(proj, event.detail),
    )


def _unique(name: str, sha: str, taken: set[str]) -> str:
    shown = display_name(name)
    if shown.casefold() in taken:
        stem, dot, ext = shown.rpartition(".")
        shown = f"{stem}-{sha[:8]}.{ext}" if dot and stem else f"{shown}-{sha[:8]}"
    taken.add(shown.casefold())
    return shown


def extract_evidence(proj: Project, evidence_id: str, to: Path) -> Extracted:
    """Write the attachments of one evidence item into the folder ``to`` under their
    recorded names. Every stored file is checked against its SHA-256 first: one missing or
    altered is an integrity error naming it (exit 4), and nothing is written. An existing
    file of the same name in ``to`` is never overwritten (usage error)."""
    shown = show_evidence(proj, evidence_id)
    bad = [a for a in shown.attachments if a.stored != "ok"]
    if bad:
        raise IntegrityError(
            f"{shown.item.evidence_id}: "
            + "; ".join(f"{a.original_name} (sha256 {a.sha256[:16]}…) is {a.stored}" for a in bad)
            + "; nothing was written",
            hint="the attachment store no longer holds what was recorded; "
            "run `hischange audit verify` and restore .hischange/attachments/ from a backup",
        )
    if not shown.attachments:
        raise NotFoundError(f"{shown.item.evidence_id} has no attachments")
    if to.exists() and not to.is_dir():
        raise UsageError(f"--to {to} is not a folder")
    taken: set[str] = set()
    plan = [(a, _unique(a.original_name, a.sha256, taken)) for a in shown.attachments]
    clashes = [name for _, name in plan if (to / name).exists()]
    if clashes:
        raise UsageError(
            f"{', '.join(clashes)} already exist(s) in {to}; nothing was written",
            hint="extract into an empty folder",
        )
    folder = proj.state_dir / ATTACHMENTS_DIR
    written = []
    try:
        to.mkdir(parents=True, exist_ok=True)
        for a, name in plan:
            tmp = to / f".{name}.part"
            hasher = hashlib.sha256()
            stored = attachment_path(folder, a.sha256)
            with open_regular(stored, "stored attachment") as src, tmp.open("wb") as out:
                while chunk := src.read(1 << 20):
                    hasher.update(chunk)
                    out.write(chunk)
            if hasher.hexdigest() != a.sha256:  # changed since the check
                tmp.unlink()
                raise IntegrityError(f"{a.original_name} (sha256 {a.sha256[:16]}…) is altered")
            os.replace(tmp, to / name)
            written.append((name, a.sha256))
    except OSError as exc:
        raise StoreError(f"cannot write into {to}: {exc.strerror or exc}") from exc
    return Extracted(evidence_id=shown.item.evidence_id, folder=str(to), files=tuple(written))
