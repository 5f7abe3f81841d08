"""Period reports (月度巡检报告, 半年考核): who may sign for which party, and the signatures
kept per report. Pure: the report's figures are computed in ``services/reports.py``."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from hischange.errors import WorkflowError, clip
from hischange.events import AnyEvent, ReportSigned
from hischange.ledger import AppendedEvent, ProjectionView
from hischange.workflow.people import is_one_of, same_person
from hischange.workflow.state import load

__all__ = [
    "PARTIES",
    "ReportSignature",
    "ReportState",
    "apply_report_signed",
    "decide_sign",
    "party_of",
]

Party = Literal["vendor", "hospital"]
#: The two parties of the maintenance contract and their Chinese names.
PARTIES: dict[str, str] = {"vendor": "乙方", "hospital": "甲方"}


class ReportSignature(BaseModel):
    """One party's signature over one digest of the report."""

    model_config = ConfigDict(frozen=True)

    party: Party
    name: str
    at: datetime
    digest: str
    seq: int


class ReportState(BaseModel):
    """Every signature a report received, oldest first."""

    model_config = ConfigDict(frozen=True)

    report: str
    signatures: tuple[ReportSignature, ...] = ()

    def signed(self, digest: str) -> dict[str, ReportSignature]:
        """The latest signature of each party over exactly ``digest``."""
        out: dict[str, ReportSignature] = {}
        for sig in self.signatures:
            if sig.digest == digest:
                out[sig.party] = sig
        return out

    def filed(self, digest: str) -> bool:
        """Both parties signed this content (已归档)."""
        return set(self.signed(digest)) == set(PARTIES)


def party_of(actor: str, developers: tuple[str, ...], hospital: tuple[str, ...]) -> Party | None:
    """The party an identity signs for: a vendor developer (乙方) or a hospital approver or
    auditor (甲方); None when it is in neither role (or, ambiguously, in both)."""
    vendor, client = is_one_of(actor, developers), is_one_of(actor, hospital)
    if vendor == client:
        return None
    return "vendor" if vendor else "hospital"


def decide_sign(
    state: ReportState | None,
    report: str,
    actor: str,
    digest: str,
    developers: tuple[str, ...],
    hospital: tuple[str, ...],
) -> list[AnyEvent]:
    """Sign ``report`` (its content is ``digest``) for the actor's party."""
    party = party_of(actor, developers, hospital)
    if party is None:
        raise WorkflowError(
            f"{clip(actor)} may not sign {report}: a signer is a vendor developer (乙方, "
            "[roles] developers) or a hospital approver or auditor (甲方, [roles] approvers, "
            "auditors), and not both",
            rule="report_signer",
            hint="sign as someone listed in exactly one party's roles",
        )
    done = state.signed(digest).get(party) if state is not None else None
    if done is not None:
        who = "you" if same_person(done.name, actor) else done.name
        raise WorkflowError(
            f"{report} is already signed for the {party} ({PARTIES[party]}) by {who} "
            "at this content",
            rule="report_signer",
            hint="`hischange report list` shows what each report still needs",
        )
    return [ReportSigned(report=report, party=party, name=actor, digest=digest)]


def apply_report_signed(view: ProjectionView, appended: AppendedEvent) -> None:
    """Projection: the report's signatures."""
    event = appended.event
    assert isinstance(event, ReportSigned)
    state = load(view, "report", event.report, ReportState) or ReportState(report=event.report)
    sig = ReportSignature(
        party=event.party, name=event.name, at=appended.at, digest=event.digest, seq=appended.seq
    )
    view.put(
        "report",
        event.report,
        state.model_copy(update={"signatures": (*state.signatures, sig)}),
        appended.seq,
    )
