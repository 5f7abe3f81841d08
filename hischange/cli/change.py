"""``hischange change …``: register, edit, submit, approve, reject, start, withdraw, list, show."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, get_args

import click

from hischange.cli.output import (
    actor_option,
    emit,
    emit_stream,
    example,
    format_option,
    open_project,
    resolve_actor,
    site_day,
)
from hischange.cli.render import change_detail, change_table, local_time
from hischange.cli.report import out_option, write_document
from hischange.events import Billing, Risk, Urgency
from hischange.workflow.kinds import KINDS as KIND_TABLE

if TYPE_CHECKING:
    from hischange.services.change_due import DueRecord
    from hischange.workflow.change import ChangeState

F = TypeVar("F", bound=Callable[..., Any])
KINDS = tuple(k.name for k in KIND_TABLE)
URGENCIES = get_args(Urgency)
BILLINGS = get_args(Billing)
RISKS = get_args(Risk)


def _field_options(required: bool) -> list[Any]:
    """The request fields, shared by ``new`` (some required) and ``edit`` (all optional)."""
    return [
        click.option(
            "--kind",
            type=click.Choice(KINDS),
            required=required,
            help=", ".join(f"{k.name} {k.label_zh}" for k in KIND_TABLE) + ".",
        ),
        click.option("--title", required=required, help="One line: what changes."),
        click.option("--description", help="The request in full."),
        click.option("--system", help="System (系统), e.g. 门诊, 检验."),
        click.option("--module", help="Module (模块)."),
        click.option("--requester", "requester_dept", help="Requesting department (申请科室)."),
        click.option("--requester-person", help="Requesting person (申请人)."),
        click.option(
            "--urgency",
            type=click.Choice(URGENCIES),
            default="normal" if required else None,
            help="emergency 紧急, high 高, normal 普通, low 低; sets the due time.",
        ),
        click.option(
            "--billing",
            type=click.Choice(BILLINGS),
            default="covered" if required else None,
            help="covered 维保范围内, free_interface 免费接口调整, negotiated 另行协商.",
        ),
        click.option(
            "--effort",
            "effort_days",
            help="Effort in person-days (工作量, 人天); required for negotiated billing.",
        ),
        click.option("--third-party", help="Third-party system involved (第三方系统)."),
        click.option(
            "--risk",
            type=click.Choice(RISKS),
            default="medium" if required else None,
            help="Risk level (风险等级).",
        ),
        click.option("--rollback-plan", help="How to go back (回退方案); approval requires it."),
        click.option(
            "--emergency/--no-emergency",
            default=False if required else None,
            help="Emergency change (紧急变更): may start before approval.",
        ),
        click.option(
            "--breaking/--no-breaking",
            default=False if required else None,
            help="Breaks an interface (major version).",
        ),
    ]


_REF_HELP = (
    "An external reference (外部编号), e.g. jira:HIS-1234 or oa:XXK-2026-031; repeatable, one "
    "per system. Commits naming it (trailer or subject, shapes in [custody] external_ids) "
    "link to this change."
)


def _with(options: list[Any]) -> Callable[[F], F]:
    def decorate(func: F) -> F:
        for option in reversed(options):
            func = option(func)
        return func

    return decorate


@click.group(epilog=example("hischange change list --state submitted"))
def change() -> None:
    """Changes (变更): the request, its approval, and its state."""


@change.command(
    "new",
    epilog=example(
        'hischange change new --kind interface --title "LIS 接口字段调整" --system 检验 '
        '--requester 检验科 --rollback-plan "恢复旧版接口配置"'
    ),
)
@_with(_field_options(required=True))
@click.option("refs", "--ref", multiple=True, metavar="SYSTEM:ID", help=_REF_HELP)
@actor_option
@format_option()
def new(actor: str | None, fmt: str, refs: tuple[str, ...], **values: Any) -> None:
    """Register a change request (draft). Prints its id, e.g. CR-2026-0001."""
    from hischange.services.changes import make_fields, register_change

    fields = make_fields({k: v for k, v in values.items() if v is not None})
    state = register_change(open_project(), resolve_actor(actor), fields, refs)
    emit(fmt, state, lambda s: f"registered {s.id} (draft 草稿), due {local_time(s.due_at)}")


@change.command(
    "edit", epilog=example("hischange change edit CR-2026-0001 --urgency high --reason 科室催办")
)
@click.argument("change_id")
@_with(_field_options(required=False))
@click.option(
    "refs", "--ref", multiple=True, metavar="SYSTEM:ID",
    help=_REF_HELP + " `SYSTEM:` removes it; needs --reason; the approval stays.",
)  # fmt: skip
@click.option("--reason", default="", help="Why the request changed.")
@actor_option
@format_option()
def edit(
    change_id: str, reason: str, refs: tuple[str, ...], actor: str | None, fmt: str, **values: Any
) -> None:
    """Edit a change's request or its external references.

    An edited request makes an earlier approval stale (审批失效); --ref (with --reason)
    changes the external references and keeps the approval."""
    from hischange.services.changes import edit_change

    state = edit_change(open_project(), resolve_actor(actor), change_id, values, reason, refs)
    stale = "; its approval is now stale" if state.approval_stale else ""
    emit(fmt, state, lambda s: f"edited {s.id}{stale}")


def _state_line(state: ChangeState) -> str:
    return f"{state.id} is now {state.state}"


def _approved_line(state: ChangeState) -> str:
    """An approval says it approved; a retroactive one (事后审批) says so and that the state
    (e.g. verified) is unchanged by it."""
    approval = state.approval
    if approval is not None and approval.retroactive:
        return (
            f"{state.id} retroactively approved (事后审批) by {approval.approver}; "
            f"it stays {state.state}"
        )
    return f"{state.id} approved (审批通过); it is now {state.state}"


def _transition(
    name: str, doc: str, sample: str, needs_reason: bool = False, comment: bool = False
) -> None:
    """Define ``change <name> CR`` commands that share one shape."""

    @click.argument("change_id")
    @actor_option
    @format_option()
    def command(change_id: str, actor: str | None, fmt: str, **extra: str) -> None:
        from hischange.services import changes as service

        func = getattr(service, f"{name}_change")
        state = func(open_project(), resolve_actor(actor), change_id, **extra)
        emit(fmt, state, _approved_line if name == "approve" else _state_line)

    command.__doc__ = doc
    if needs_reason:
        command = click.option("--reason", required=True, help="Why (recorded).")(command)
    if comment:
        command = click.option("--comment", default="", help="Reviewer's comment (recorded).")(
            command
        )
    change.command(name, epilog=example(sample))(command)


_transition(
    "submit", "Submit a draft for approval (提交审批).", "hischange change submit CR-2026-0001"
)
_transition(
    "approve",
    "Approve a submitted change (审批通过). The approver must be in [roles] approvers and "
    "must not have registered, requested or coded it; a rollback plan is required.",
    "hischange change approve CR-2026-0001 --comment 同意 --as reviewer@hospital",
    comment=True,
)
_transition(
    "reject",
    "Reject a submitted change (驳回).",
    'hischange change reject CR-2026-0001 --reason "超出维保范围" --as reviewer@hospital',
    needs_reason=True,
)
_transition(
    "start",
    "Start implementing an approved change (开始实施).",
    "hischange change start CR-2026-0001",
)
_transition(
    "withdraw",
    "Withdraw a change (撤回).",
    'hischange change withdraw CR-2026-0001 --reason "科室取消需求"',
    needs_reason=True,
)


@change.command(
    "list",
    epilog=example(
        "hischange change list --since 2026-11-01 --until 2026-11-30 --billing negotiated"
    ),
)
@click.option("--state", help="Only changes in this state (e.g. approved).")
@click.option("--kind", type=click.Choice(KINDS), help="Only changes of this kind.")
@click.option(
    "--billing",
    type=click.Choice(BILLINGS),
    help="Only this billing class (计费): covered 维保范围内, free_interface 免费接口调整, "
    "negotiated 另行协商.",
)
@click.option("--since", help="Registered on or after this day (YYYY-MM-DD, site time).")
@click.option("--until", help="Registered on or before this day (YYYY-MM-DD, site time).")
@click.option("--overdue", is_flag=True, help="Only open changes past their due time (逾期).")
@click.option(
    "--late",
    is_flag=True,
    help="Only changes done (verified/closed) after their due time (超期完成).",
)
@format_option("csv", "xlsx")
@out_option
def list_(
    state: str | None,
    kind: str | None,
    billing: str | None,
    since: str | None,
    until: str | None,
    overdue: bool,
    late: bool,
    fmt: str,
    out: Path | None,
) -> None:
    """List changes, with billing class and due-time status.

    The due column says met (按时), late (超期完成: done after the due time), open, or
    overdue (逾期: open past the due time). JSON is streamed, one change at a time."""
    from hischange.services.changes import iter_changes

    proj = open_project()
    items = iter_changes(
        proj,
        state=state,
        kind=kind,
        overdue=overdue,
        billing=billing,
        since=site_day(since, "--since"),
        until=site_day(until, "--until"),
        late=late,
    )
    if fmt == "json":
        emit_stream(fmt, items, str)  # JSON: the human form is unused
        return
    from hischange.services.change_due import due_records

    listed = list(items)  # the table's columns are as wide as their widest cell
    if fmt in ("csv", "xlsx"):
        _change_sheet(listed, due_records(proj, listed), fmt, out)
        return
    emit(fmt, listed, lambda xs: change_table(xs, due_records(proj, xs)) if xs else ["no changes"])


def _change_sheet(
    items: list[ChangeState], due: dict[str, DueRecord], fmt: str, out: Path | None
) -> None:
    """The change list as CSV or XLSX (local times in the site's zone)."""
    from hischange.outputs.tables import table_bytes

    head = (
        "ID", "标题 title", "类型 kind", "计费 billing", "人天 person-days", "紧急程度 urgency",
        "系统 system", "申请科室 department", "状态 state", "登记 registered", "期限 due",
        "时限 due status",
    )  # fmt: skip
    rows = [
        (
            c.id, c.fields.title, c.fields.kind, c.fields.billing, c.fields.effort_days or "",
            c.fields.urgency, c.fields.system, c.fields.requester_dept, c.state,
            local_time(c.registered_at), local_time(c.due_at),
            due[c.id].status if c.id in due else "",
        )
        for c in items
    ]  # fmt: skip
    write_document(table_bytes(fmt, "changes", head, rows), out, fmt)


@change.command("show", epilog=example("hischange change show CR-2026-0001"))
@click.argument("change_id")
@format_option()
def show(change_id: str, fmt: str) -> None:
    """Show one change with every recorded field."""
    from hischange.services.evidence import change_detail as detail

    emit(fmt, detail(open_project(), change_id), change_detail)


@change.command("ready", epilog=example("hischange change ready CR-2026-0001"))
@click.argument("change_id")
@actor_option
@format_option()
def ready(change_id: str, actor: str | None, fmt: str) -> None:
    """Mark a change ready for release (待发布).

    in_progress → ready. Refused (exit 5, recorded) unless each evidence kind the change's
    kind needs ([evidence] required) passed on its latest commit."""
    from hischange.services.evidence import ready_change

    state = ready_change(open_project(), resolve_actor(actor), change_id)
    emit(fmt, state, lambda s: f"{s.id} is now {s.state}")


@change.command(
    "verify",
    epilog=example(
        "hischange change verify CR-2026-0001 --note 科室确认结果正确 --as 检验科主任@hospital"
    ),
)
@click.argument("change_id")
@click.option("--note", default="", help="What was checked (recorded).")
@actor_option
@format_option()
def verify(change_id: str, note: str, actor: str | None, fmt: str) -> None:
    """Verify a deployed change (验收), by the requester side.

    deployed → verified, then closed (an emergency change needs a retroactive approval and a
    post-implementation review first)."""
    from hischange.services.deployments import verify_change

    state = verify_change(open_project(), resolve_actor(actor), change_id, note)
    emit(fmt, state, lambda s: f"{s.id} is now {s.state}")


@change.command(
    "review",
    epilog=example(
        'hischange change review CR-2026-0003 --pir "根因: 取整函数; 已补测试" '
        "--as reviewer@hospital"
    ),
)
@click.argument("change_id")
@click.option("--pir", required=True, help="The post-implementation review (实施后评审).")
@actor_option
@format_option()
def review(change_id: str, pir: str, actor: str | None, fmt: str) -> None:
    """Record a post-implementation review (实施后评审).

    Closes a verified change that was waiting for it."""
    from hischange.services.deployments import record_review

    state = record_review(open_project(), resolve_actor(actor), change_id, pir)
    emit(fmt, state, lambda s: f"recorded the review of {s.id}; it is {s.state}")


@change.command(
    "close", epilog=example("hischange change close CR-2026-0001 --as reviewer@hospital")
)
@click.argument("change_id")
@actor_option
@format_option()
def close(change_id: str, actor: str | None, fmt: str) -> None:
    """Close a verified change (关闭).

    verified → closed. An emergency change needs its retroactive approval and PIR."""
    from hischange.services.deployments import close_change

    state = close_change(open_project(), resolve_actor(actor), change_id)
    emit(fmt, state, lambda s: f"{s.id} is now {s.state}")
