"""Every event type (pydantic, discriminated on ``type``) and the envelope.

Events are facts. They hold no floats (decimals are strings) so that their canonical
bytes are unambiguous. A new event type is added here and handled in ``projection.py``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

__all__ = [
    "UNSIGNED_TYPES",
    "ActSigned",
    "AnyEvent",
    "ApprovalStepRecorded",
    "ArtifactAttached",
    "ChangeApproved",
    "ChangeEdited",
    "ChangeFields",
    "ChangeRefsEdited",
    "ChangeRegistered",
    "ChangeRejected",
    "ChangeStarted",
    "ChangeSubmitted",
    "ChangeTransitioned",
    "ChangeWithdrawn",
    "CheckpointRecorded",
    "CommandRefused",
    "CommitLink",
    "CommitsLinked",
    "CommitsSuperseded",
    "DeploymentRecorded",
    "EventRecord",
    "EvidenceRecorded",
    "FaultReported",
    "FaultResolved",
    "FaultResponded",
    "ImportedArtifact",
    "PersonAdded",
    "PersonKeyAdded",
    "PersonKeyRotated",
    "PersonRevoked",
    "ReleaseCut",
    "ReleaseImported",
    "ReleaseManifest",
    "ReleasedChange",
    "ReportSigned",
    "ReviewRecorded",
    "RollbackRecorded",
    "SqlApproved",
    "SqlFileReview",
    "SqlFinding",
    "SqlReviewed",
    "TrainingRecorded",
    "TrustRootSet",
    "change_refs",
    "parse_event",
]

#: A change kind's name; the one list of kinds is ``hischange.workflow.kinds.KINDS``, which
#: registration checks (kept plain text here so a new kind needs no new event schema).
Kind = str
Urgency = Literal["emergency", "high", "normal", "low"]
Billing = Literal["covered", "free_interface", "negotiated"]
Risk = Literal["low", "medium", "high"]


class _Event(BaseModel):
    # Validators are built on first use: a command reads a handful of event types, and
    # building all of them cost every start-up ~0.1 s (issue 17).
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class ChangeFields(BaseModel):
    """What a requester asks for; the approval fingerprint covers exactly these fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Kind
    title: str = Field(min_length=1, max_length=500)
    description: str = ""
    system: str = ""
    module: str = ""
    requester_dept: str = ""
    requester_person: str = ""
    urgency: Urgency = "normal"
    billing: Billing = "covered"
    #: Person-days as a decimal string (e.g. "3.5"); required for negotiated changes.
    effort_days: str | None = None
    third_party: str = ""
    risk: Risk = "medium"
    rollback_plan: str = ""
    emergency: bool = False
    breaking: bool = False


class ChangeRegistered(_Event):
    type: Literal["change_registered"] = "change_registered"
    change_id: str
    fields: ChangeFields
    due_at: datetime


class ChangeEdited(_Event):
    type: Literal["change_edited"] = "change_edited"
    change_id: str
    fields: ChangeFields
    #: Names of the fields that differ from the previous version.
    changed: tuple[str, ...]
    reason: str = ""


class ChangeRefsEdited(_Event):
    """A change's external references (外部编号: a Jira key, an OA form number), each
    ``system:id``; ``refs`` is the whole set after the edit (one id per system)."""

    type: Literal["change_refs_edited"] = "change_refs_edited"
    change_id: str
    refs: tuple[str, ...]
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    reason: str = ""


class ChangeSubmitted(_Event):
    type: Literal["change_submitted"] = "change_submitted"
    change_id: str


class ChangeApproved(_Event):
    type: Literal["change_approved"] = "change_approved"
    change_id: str
    #: SHA-256 of the canonical ChangeFields that were approved.
    fingerprint: str
    comment: str = ""
    #: An emergency change approved after it was implemented.
    retroactive: bool = False


class ChangeRejected(_Event):
    type: Literal["change_rejected"] = "change_rejected"
    change_id: str
    reason: str


class ChangeStarted(_Event):
    type: Literal["change_started"] = "change_started"
    change_id: str
    #: True when an emergency change starts before approval.
    unapproved_emergency: bool = False


class ChangeWithdrawn(_Event):
    type: Literal["change_withdrawn"] = "change_withdrawn"
    change_id: str
    reason: str


class ChangeTransitioned(_Event):
    """A state move driven by a later stage (ready, released, deployed, verified, closed)."""

    type: Literal["change_transitioned"] = "change_transitioned"
    change_id: str
    to: str
    reason: str = ""
    ref: str = ""


class CommandRefused(_Event):
    """A refused attempt, kept because 等保 wants failed attempts audited too."""

    type: Literal["command_refused"] = "command_refused"
    command: str
    change_id: str | None = None
    target: str = ""
    rule: str
    reason: str


class CommitLink(BaseModel):
    """One commit and the changes it names."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sha: str
    change_ids: tuple[str, ...]
    author_name: str
    author_email: str
    committer_email: str
    authored_at: datetime
    committed_at: datetime
    subject: str
    via: Literal["trailer", "subject"]


class CommitsLinked(_Event):
    """Commits linked to changes by ``custody scan`` (only links not recorded before)."""

    type: Literal["commits_linked"] = "commits_linked"
    range: str
    links: tuple[CommitLink, ...]

    def change_refs(self) -> set[str]:
        return {cid for link in self.links for cid in link.change_ids}


class CommitsSuperseded(_Event):
    """Linked commits that history no longer holds (a rebase, a squash merge) and the commit
    that now carries their work, with why (``custody supersede``)."""

    type: Literal["commits_superseded"] = "commits_superseded"
    old: tuple[str, ...]
    by: str
    change_ids: tuple[str, ...]
    reason: str
    #: how the replacement was found: "manual", or "patch-id" (one for one, by a scan)
    how: str = "manual"

    def change_refs(self) -> set[str]:
        return set(self.change_ids)


class SqlFinding(BaseModel):
    """A finding as recorded (the review keeps its own full model)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str
    severity: Literal["error", "warning", "info"]
    line: int
    column: int
    message: str
    suppressed: bool = False
    reason: str | None = None


class SqlFileReview(BaseModel):
    """One reviewed file, bound to the SHA-256 of its bytes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    path: str
    sha256: str
    size: int
    dialect: str
    encoding: str
    statements: int
    findings: tuple[SqlFinding, ...]

    @property
    def errors(self) -> int:
        """Unsuppressed error findings."""
        return sum(1 for f in self.findings if f.severity == "error" and not f.suppressed)


class SqlReviewed(_Event):
    type: Literal["sql_reviewed"] = "sql_reviewed"
    change_id: str
    range: str = ""
    files: tuple[SqlFileReview, ...]


class SqlApproved(_Event):
    type: Literal["sql_approved"] = "sql_approved"
    change_id: str
    path: str
    sha256: str
    errors: int
    accept_risk: str = ""


class EvidenceRecorded(_Event):
    """Test evidence for one or more changes, bound to the commit it tested."""

    type: Literal["evidence_recorded"] = "evidence_recorded"
    evidence_id: str
    change_ids: tuple[str, ...]
    kind: Literal["automated", "onsite"]
    commit: str | None
    version: str = ""
    env: str
    passed: bool
    summary: str
    #: The importer's report or the manual record, as plain JSON data.
    detail: dict[str, Any]

    def change_refs(self) -> set[str]:
        return set(self.change_ids)


class ReleasedChange(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    change_id: str
    kind: str
    billing: str
    title: str
    unapproved_emergency: bool = False


class ReleaseManifest(BaseModel):
    """What a release contains; the cut event and the release record share it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str
    tag: str
    range: str
    head_commit: str
    commits: tuple[str, ...]
    changes: tuple[ReleasedChange, ...]
    #: change id, path, SHA-256 of every SQL file released.
    sql_files: tuple[tuple[str, str, str], ...]
    evidence: tuple[str, ...]
    ledger_head_seq: int
    ledger_head_hash: str
    manifest_digest: str
    bump_reason: str
    dirty: bool = False


class ReleaseCut(_Event, ReleaseManifest):
    type: Literal["release_cut"] = "release_cut"

    def change_refs(self) -> set[str]:
        return {c.change_id for c in self.changes}


class ArtifactAttached(_Event):
    type: Literal["artifact_attached"] = "artifact_attached"
    version: str
    name: str
    sha256: str
    size: int


class ImportedArtifact(BaseModel):
    """A delivered package of a version that ran before hischange, by content hash."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    sha256: str
    size: int


class ReleaseImported(_Event):
    """A version that ran before hischange was adopted (版本基线), registered so that it is a
    release (and a rollback target) like any cut one: its tag and commit where known, its
    artifacts where known, and the (environment, site) pairs it runs at."""

    type: Literal["release_imported"] = "release_imported"
    version: str
    tag: str = ""
    head_commit: str = ""
    artifacts: tuple[ImportedArtifact, ...] = ()
    running: tuple[tuple[str, str], ...] = ()
    note: str = ""


class DeploymentRecorded(_Event):
    type: Literal["deployment_recorded"] = "deployment_recorded"
    deployment_id: str
    version: str
    env: str
    site: str
    operator: str
    result: Literal["success", "failed", "rolled_back"]
    window_start: datetime | None = None
    window_end: datetime | None = None
    rollback_plan: str = ""
    #: The bastion-host (堡垒机) session, when done remotely: id, opened, closed.
    remote_session: dict[str, str] | None = None
    change_ids: tuple[str, ...] = ()

    def change_refs(self) -> set[str]:
        return set(self.change_ids)


class RollbackRecorded(_Event):
    type: Literal["rollback_recorded"] = "rollback_recorded"
    version: str
    env: str
    site: str
    to_version: str
    reason: str
    change_ids: tuple[str, ...] = ()

    def change_refs(self) -> set[str]:
        return set(self.change_ids)


class ReviewRecorded(_Event):
    """A post-implementation review (PIR, 实施后评审) of a change."""

    type: Literal["review_recorded"] = "review_recorded"
    change_id: str
    text: str


class FaultReported(_Event):
    """A fault registered (故障登记): what failed, how badly, when it was reported and by
    whom. The response clocks (应急响应) start at ``reported_at``."""

    type: Literal["fault_reported"] = "fault_reported"
    fault_id: str
    system: str
    module: str = ""
    symptom: str
    severity: Literal["major", "normal", "minor"]
    reported_at: datetime
    reporter: str
    #: What groups recurring faults of one system: the symptom, normalised, unless given.
    signature: str


class FaultResponded(_Event):
    """A response to a fault: remote (through the bastion host, 堡垒机) or on site."""

    type: Literal["fault_responded"] = "fault_responded"
    fault_id: str
    mode: Literal["remote", "onsite"]
    at: datetime
    responder: str
    note: str = ""


class FaultResolved(_Event):
    """A fault resolved: its cause, the action taken, and the change when code was changed."""

    type: Literal["fault_resolved"] = "fault_resolved"
    fault_id: str
    at: datetime
    cause: str
    action: str
    change_id: str | None = None


class TrainingRecorded(_Event):
    """A training held (培训记录): topic, day, trainer, attendees, and the sign-in sheet and
    other files, kept in the attachment store under their SHA-256."""

    type: Literal["training_recorded"] = "training_recorded"
    training_id: str
    topic: str
    day: date
    trainer: str
    attendees: tuple[str, ...]
    department: str = ""
    #: 集中 (group) or 单人 (one person).
    kind: Literal["group", "individual"]
    hours: str = ""
    #: Each as ``{sha256, size, original_name, media_type}``.
    attachments: tuple[dict[str, Any], ...] = ()


class ReportSigned(_Event):
    """One party's signature (签字) on a period report (月度巡检报告, 半年考核): who signed,
    for which party (乙方 vendor / 甲方 hospital), over which digest (SHA-256 of the
    report's canonical JSON, signatures excluded)."""

    type: Literal["report_signed"] = "report_signed"
    #: ``monthly:2026-11`` or ``assessment:2026H2``
    report: str
    party: Literal["vendor", "hospital"]
    name: str
    digest: str


#: Event types never signed by their actor: the genesis (it records the root itself),
#: refused attempts (recorded precisely when the actor could not sign) and the signatures.
UNSIGNED_TYPES = frozenset({"trust_root_set", "command_refused", "act_signed"})


class ApprovalStepRecorded(_Event):
    """One step of a multi-step approval (多级审批, ``[approval]``): the actor approves the
    change (``subject`` "change", ``sha256`` its fields' fingerprint) or one of its SQL files
    (``subject`` the path, ``sha256`` its content) for ``group``."""

    type: Literal["approval_step_recorded"] = "approval_step_recorded"
    change_id: str
    subject: str
    group: str
    sha256: str


class TrustRootSet(_Event):
    """The hospital-held root of trust (信任根): the public key whose holder (or someone it
    delegates to) registers people, their keys and roles. Recorded by ``init --trust-root``."""

    type: Literal["trust_root_set"] = "trust_root_set"
    holder: str
    key: str
    fingerprint: str


class PersonAdded(_Event):
    """A person, their roles and their public key, registered by the root or an admin."""

    type: Literal["person_added"] = "person_added"
    person: str
    roles: tuple[str, ...]
    key: str
    fingerprint: str


class PersonRevoked(_Event):
    """A person's key and roles revoked: from this event on nothing they sign counts."""

    type: Literal["person_revoked"] = "person_revoked"
    person: str
    reason: str = ""


class PersonKeyRotated(_Event):
    """A person's key replaced by a new one (the old one no longer signs)."""

    type: Literal["person_key_rotated"] = "person_key_rotated"
    person: str
    key: str
    fingerprint: str
    old_fingerprint: str


class PersonKeyAdded(_Event):
    """One more key for a person, beside the ones they hold: a second SSH key, or a passkey
    (WebAuthn; ``key`` is ``webauthn RP_ID SPKI``) registered in the web review page."""

    type: Literal["person_key_added"] = "person_key_added"
    person: str
    key: str
    fingerprint: str


class ActSigned(_Event):
    """The actor's SSH signature (SSHSIG, namespace ``hischange``) over one act: the events
    ``first_seq..last_seq`` just before it, bound through ``last_hash`` and the payload
    ``hischange.workflow.signing.act_payload`` builds from them (type, subject, content hash
    and meaning of each, the actor, the time and a fresh nonce)."""

    type: Literal["act_signed"] = "act_signed"
    fingerprint: str
    first_seq: int
    last_seq: int
    last_hash: str
    nonce: str
    meaning: str
    signature: str


class CheckpointRecorded(_Event):
    """A signed checkpoint (sequence, head hash, time) handed to its signer as a file."""

    type: Literal["checkpoint_recorded"] = "checkpoint_recorded"
    seq: int
    head_hash: str
    fingerprint: str
    signature: str


AnyEvent = Annotated[
    ChangeRegistered
    | ChangeEdited
    | ChangeRefsEdited
    | ChangeSubmitted
    | ChangeApproved
    | ChangeRejected
    | ChangeStarted
    | ChangeWithdrawn
    | ChangeTransitioned
    | CommandRefused
    | CommitsLinked
    | CommitsSuperseded
    | SqlReviewed
    | SqlApproved
    | EvidenceRecorded
    | ReleaseCut
    | ReleaseImported
    | ArtifactAttached
    | DeploymentRecorded
    | RollbackRecorded
    | ReviewRecorded
    | FaultReported
    | FaultResponded
    | FaultResolved
    | TrainingRecorded
    | ReportSigned
    | TrustRootSet
    | PersonAdded
    | PersonRevoked
    | PersonKeyRotated
    | PersonKeyAdded
    | ApprovalStepRecorded
    | ActSigned
    | CheckpointRecorded,
    Field(discriminator="type"),
]

_EVENT_ADAPTER: TypeAdapter[AnyEvent] | None = None


def parse_event(data: dict[str, Any]) -> AnyEvent:
    """Validate a plain dict (as stored) into its event model."""
    global _EVENT_ADAPTER  # built on first use (the union of every event type)
    if _EVENT_ADAPTER is None:
        _EVENT_ADAPTER = TypeAdapter(AnyEvent)
    return _EVENT_ADAPTER.validate_python(data)


class EventRecord(BaseModel):
    """An event as stored: the envelope (sequence, time, actor, chain) around the event."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    seq: int
    at: datetime
    actor: str
    algorithm: str
    prev_hash: str
    hash: str
    event: AnyEvent

    @property
    def change_id(self) -> str | None:
        """The change this event is about, if it is about exactly one."""
        return getattr(self.event, "change_id", None)


def change_refs(event: BaseModel) -> set[str]:
    """Every change an event concerns (for ``audit trace``)."""
    refs = getattr(event, "change_refs", None)
    found: set[str] = set(refs()) if callable(refs) else set()
    single = getattr(event, "change_id", None)
    if single:
        found.add(single)
    return found
