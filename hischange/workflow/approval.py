"""Multi-step approval (多级审批): ``[approval]`` may require one approver from each of several
groups per change kind, or per SQL error finding (e.g. an HC1xx error needs the DBA company
and the 信息科 head). Each approval is an ``approval_step_recorded`` event; the change's or
file's ordinary approval event follows the step that completes the requirement. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from pydantic import BaseModel, ConfigDict

from hischange.errors import WorkflowError
from hischange.events import ApprovalStepRecorded
from hischange.ledger import AppendedEvent, ProjectionView
from hischange.workflow.people import is_one_of, same_person

__all__ = [
    "ApprovalProgress",
    "Step",
    "Steps",
    "apply_approval_step",
    "change_groups",
    "decide_step",
    "load_steps",
    "progress",
    "sql_groups",
    "steps_key",
]


class Step(BaseModel):
    """One recorded approval step: who, for which group, of which content."""

    model_config = ConfigDict(frozen=True)

    approver: str
    group: str
    sha256: str


class Steps(BaseModel):
    """The steps recorded for one subject (the ``approval_steps`` projection)."""

    model_config = ConfigDict(frozen=True)

    steps: tuple[Step, ...] = ()


class ApprovalProgress(BaseModel):
    """Who has approved (group → approver) and which groups are still needed."""

    model_config = ConfigDict(frozen=True)

    subject: str
    required: tuple[str, ...]
    approved: dict[str, str]
    missing: tuple[str, ...]


def change_groups(rules: Mapping[str, Sequence[str]], kind: str) -> tuple[str, ...]:
    """The groups that must approve a change of ``kind`` (``[approval.change]``; the key
    ``default`` for kinds not named)."""
    return tuple(rules.get(kind, rules.get("default", ())))


def sql_groups(rules: Mapping[str, Sequence[str]], error_codes: Iterable[str]) -> tuple[str, ...]:
    """The groups that must approve an SQL file with these error findings: every group of
    every ``[approval.sql]`` prefix a code starts with (``HC1`` matches HC101..HC199)."""
    out: list[str] = []
    codes = list(error_codes)
    for prefix, groups in rules.items():
        if any(code.startswith(prefix) for code in codes):
            out += [g for g in groups if g not in out]
    return tuple(out)


def steps_key(change_id: str, subject: str) -> str:
    """The projection key of one subject's steps (``change`` or an SQL path)."""
    return f"{change_id}|{subject}"


def load_steps(view: ProjectionView, change_id: str, subject: str) -> tuple[Step, ...]:
    """The steps recorded for a change (``subject="change"``) or one of its SQL files."""
    found = view.get("approval_steps", steps_key(change_id, subject))
    if found is None:
        return ()
    return (found if isinstance(found, Steps) else Steps.model_validate(found)).steps


def apply_approval_step(view: ProjectionView, appended: AppendedEvent) -> None:
    """Project ``approval_step_recorded``."""
    event = appended.event
    assert isinstance(event, ApprovalStepRecorded)
    steps = load_steps(view, event.change_id, event.subject)
    step = Step(approver=appended.actor, group=event.group, sha256=event.sha256)
    view.put(
        "approval_steps",
        steps_key(event.change_id, event.subject),
        Steps(steps=(*steps, step)),
        appended.seq,
    )


def progress(
    subject: str, required: Sequence[str], steps: Iterable[Step], sha256: str
) -> ApprovalProgress:
    """Which of the ``required`` groups approved ``sha256`` (steps of older content do not
    count) and which are still needed."""
    approved: dict[str, str] = {}
    for step in steps:
        if step.sha256 == sha256 and step.group in required and step.group not in approved:
            approved[step.group] = step.approver
    missing = tuple(g for g in required if g not in approved)
    return ApprovalProgress(
        subject=subject, required=tuple(required), approved=approved, missing=missing
    )


def decide_step(
    current: ApprovalProgress,
    actor: str,
    groups: Mapping[str, Sequence[str]],
    sha256: str,
    change_id: str,
) -> tuple[ApprovalStepRecorded, bool]:
    """The step ``actor`` records (the first still-missing group they belong to) and whether
    it completes the requirement. Refused when they already approved this content or belong
    to no missing group."""
    if any(same_person(actor, who) for who in current.approved.values()):
        raise WorkflowError(
            f"{actor} already approved {current.subject} of {change_id}; "
            f"still needed: {', '.join(current.missing)}",
            hint="another member of a missing group approves next",
            rule="approval_steps",
        )
    for group in current.missing:
        if is_one_of(actor, groups.get(group, ())):
            step = ApprovalStepRecorded(
                change_id=change_id, subject=current.subject, group=group, sha256=sha256
            )
            return step, len(current.missing) == 1
    raise WorkflowError(
        f"{actor} belongs to none of the groups still needed for {current.subject} of "
        f"{change_id}: {', '.join(current.missing)} ([approval.groups])",
        hint="ask a member of a missing group to approve",
        rule="approval_steps",
    )
