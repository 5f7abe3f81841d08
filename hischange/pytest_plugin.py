"""pytest plugin (entry point ``pytest11``): records a run as test evidence for changes.

``--hischange-change CR-…`` (repeatable) and/or tests marked ``@pytest.mark.hischange("CR-…")``
name the changes. After the session ONE automated evidence item is recorded for the current
``HEAD`` commit: totals and every case of the run (the whole run is the evidence, so an
unrelated failure makes it fail too), with Python, platform and plugins as the configuration.

Without the option or the marker it records nothing and imports nothing but pytest. If the
evidence cannot be recorded the terminal summary says why, and a run that would have exited
0 exits 4 (usage error) instead, so CI cannot mistake "tests passed" for "evidence
recorded". An unknown change named by the option is refused before any test runs. A marker
naming a closed, rejected or withdrawn change is reported and skipped; the run is recorded
for the others.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from hischange.project import Project

__all__ = ["EvidenceRecorder", "pytest_addoption", "pytest_configure"]

_RANK = {"passed": 0, "skipped": 1, "failed": 2, "error": 3}
_MESSAGE_CHARS = 2000


class EvidenceRecorder:
    """The per-run plugin object: which changes, the cases seen, what happened at the end."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.named = [c.strip().upper() for c in config.getoption("hischange_change") or ()]
        self.marked: dict[str, list[str]] = {}
        self.cases: dict[str, dict[str, Any]] = {}
        self.project: Project | None = None
        self.lines: list[str] = []
        self.failed = False

    @property
    def active(self) -> bool:
        """True when the run names at least one change."""
        return bool(self.named or self.marked)

    def _open(self) -> Project:
        from hischange.errors import NotFoundError
        from hischange.project import find_project

        if self.project is None:
            try:
                self.project = find_project(self.config.invocation_params.dir)
            except NotFoundError:
                self.project = find_project(self.config.rootpath)
            # a signed project: the CI identity's key signs ($HISCHANGE_SIGNING_KEY or agent)
            self.project.sealer_factory = _sealer
        return self.project

    def _case(self, nodeid: str) -> dict[str, Any]:
        if nodeid not in self.cases:
            path, _, name = nodeid.rpartition("::")
            self.cases[nodeid] = {
                "name": name or nodeid,
                "classname": path.replace("::", ".").replace("/", "."),
                "outcome": "passed",
                "time_ms": 0,
                "message": None,
            }
        return self.cases[nodeid]

    def _add(self, nodeid: str, outcome: str, millis: int, message: str | None) -> None:
        case = self._case(nodeid)
        case["time_ms"] += millis
        if _RANK[outcome] > _RANK[case["outcome"]]:
            case["outcome"] = outcome
            case["message"] = message[:_MESSAGE_CHARS] if message else None

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        """Refuse an unknown change named by the option before any test runs."""
        if not self.named:
            return
        from hischange.errors import HischangeError
        from hischange.services.changes import get_change

        try:
            project = self._open()
            for change_id in self.named:
                get_change(project, change_id)
        except HischangeError as exc:
            raise pytest.UsageError(f"--hischange-change: {exc.message}") from None

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        """Note which tests are marked for which changes."""
        for item in items:
            for mark in item.iter_markers("hischange"):
                for arg in mark.args:
                    self.marked.setdefault(str(arg).strip().upper(), []).append(item.nodeid)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        """A module that fails to collect is an error case: its tests never ran."""
        if report.failed:
            self._add(report.nodeid or "<collection>", "error", 0, report.longreprtext)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """One phase of one test; a test's outcome is the worst of its phases."""
        if not self.active:
            return
        millis = int(report.duration * 1000)
        message = report.longreprtext if report.failed else None
        if report.when == "call":
            if report.outcome in _RANK:  # not e.g. "rerun" (pytest-rerunfailures)
                self._add(report.nodeid, report.outcome, millis, message)
        elif report.failed:
            self._add(report.nodeid, "error", millis, message)
        elif report.skipped:
            self._add(report.nodeid, "skipped", millis, None)
        else:
            self._case(report.nodeid)["time_ms"] += millis

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """Record the evidence; on failure say so and make the exit status show it."""
        if not self.active:
            return
        from hischange.errors import HischangeError

        try:
            self._record()
        except HischangeError as exc:
            self._fail(exc.message + (f" ({exc.hint})" if exc.hint else ""))
        except Exception as exc:  # never a traceback over the test results
            self._fail(f"{type(exc).__name__}: {exc}")
        if self.failed and session.exitstatus in (
            pytest.ExitCode.OK,
            pytest.ExitCode.NO_TESTS_COLLECTED,
        ):
            session.exitstatus = pytest.ExitCode.USAGE_ERROR

    def _fail(self, message: str) -> None:
        self.failed = True
        self.lines.append(f"hischange: evidence NOT recorded: {message}")

    def _record(self) -> None:
        from hischange.project import resolve_actor
        from hischange.services.evidence import record_session
        from hischange.testing import Totals, describe_environment

        project = self._open()
        change_ids = self._open_changes(project)
        if not change_ids:
            return
        counts = dict.fromkeys(_RANK, 0)
        for case in self.cases.values():
            counts[case["outcome"]] += 1
        totals = Totals(
            tests=len(self.cases),
            passed=counts["passed"],
            failures=counts["failed"],
            errors=counts["error"],
            skipped=counts["skipped"],
            duration_ms=sum(c["time_ms"] for c in self.cases.values()),
        )
        plugins = [
            f"{dist.project_name}-{dist.version}"
            for _, dist in self.config.pluginmanager.list_plugin_distinfo()
        ]
        configuration = describe_environment(plugins) | {"pytest": pytest.__version__}
        done = record_session(
            project,
            resolve_actor(None, project.root),
            change_ids,
            totals=totals,
            cases=list(self.cases.values()),
            configuration=configuration,
            env=str(self.config.getoption("hischange_env")),
            extra={"marked": self.marked, "args": list(self.config.invocation_params.args)},
        )
        e = done.evidence
        verdict = "passing" if e.passed else "NOT passing"
        self.lines.append(
            f"hischange: recorded {e.evidence_id} ({verdict}; {e.summary}) for "
            f"{', '.join(e.change_ids)} at commit {(e.commit or '')[:12]}"
        )
        self.lines.extend(f"hischange: note: {n}" for n in done.notes)

    def _open_changes(self, project: Project) -> list[str]:
        """The changes to record for; a marker naming a closed (rejected, withdrawn) change is
        reported and skipped, since old tests keep their markers. A change named by the
        option, or an unknown one, is still an error."""
        from hischange.services.changes import get_change
        from hischange.workflow.evidence import NO_EVIDENCE_STATES

        out = []
        for change_id in self.change_ids():
            if change_id not in self.named:
                state = get_change(project, change_id)
                if state.state in NO_EVIDENCE_STATES:
                    self.lines.append(
                        f"hischange: skipped the marker for {change_id}: it is {state.state} "
                        "and takes no more test evidence (测试记录); remove the marker"
                    )
                    continue
            out.append(change_id)
        if not out:
            self.lines.append(
                "hischange: nothing recorded: every marked change is closed, rejected or withdrawn"
            )
        return out

    def change_ids(self) -> list[str]:
        """The changes the run is evidence for: named first, then marked."""
        return list(dict.fromkeys([*self.named, *self.marked]))

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        """One line saying what was recorded (or why nothing was)."""
        for line in self.lines:
            terminalreporter.write_line(line, red=self.failed, bold=self.failed)

    def pytest_unconfigure(self) -> None:
        """Close the store if this run opened it."""
        if self.project is not None:
            self.project.close()


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--hischange-change CR-…`` (repeatable) and ``--hischange-env ENV``."""
    group = parser.getgroup("hischange", "hischange test evidence (测试记录)")
    group.addoption(
        "--hischange-change",
        action="append",
        default=[],
        metavar="CR-ID",
        help="Record this run as test evidence for the change (repeatable).",
    )
    group.addoption(
        "--hischange-env",
        default="test",
        metavar="ENV",
        help="Environment the evidence is recorded for (default: test).",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker; outside xdist workers, register the per-run recorder."""
    config.addinivalue_line(
        "markers", "hischange(change_id, ...): this test is evidence for the named change(s)"
    )
    # Under pytest-xdist only the controller records; the workers' reports reach it.
    if not hasattr(config, "workerinput"):
        config.pluginmanager.register(EvidenceRecorder(config), "hischange-evidence-recorder")


def _sealer() -> Any:
    from hischange.services.trust import Sealer

    return Sealer()
