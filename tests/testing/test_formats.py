"""The evidence format registry: built-ins, entry-point plugins, and the errors that name them.

Plugins are installed for real: a ``*.dist-info`` directory with an ``entry_points.txt`` is
put on sys.path, so importlib.metadata discovers and loads them as it would a pip install.
"""

from __future__ import annotations

import re
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from hischange.errors import ConfigError, UsageError
from hischange.testing import (
    ENTRY_POINT_GROUP,
    FormatRegistry,
    RegisteredFormat,
    UnsupportedReport,
    import_report,
    installed_formats,
    load_formats,
)
from hischange.testing.junit import JUNIT
from hischange.testing.trx import TRX, TRX_ROOT

DATA = Path(__file__).parent / "data"
PLUGIN = "tests.testing.acme_plugin"

ACME_REPORT = """<?xml version="1.0" encoding="utf-8"?>
<acme-results version="2.1" started="2026-11-02T08:00:00Z">
  <check suite="his.billing" name="refund" result="ok" ms="12"/>
  <check suite="his.billing" name="fee" result="fail" ms="7">amount 3 != 4</check>
  <check suite="his.lis" name="view" result="skip"/>
</acme-results>
"""


@dataclass
class Site:
    """A site-packages of our own: each install is a directory prepended to sys.path."""

    root: Path
    monkeypatch: pytest.MonkeyPatch

    def install(self, dist: str, entry_points: str, modules: dict[str, str] | None = None) -> None:
        """Install distribution ``dist`` with these entry-point lines (and module sources)."""
        where = self.root / dist
        info = where / f"{dist.replace('-', '_')}-1.0.dist-info"
        info.mkdir(parents=True)
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
        (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\n{entry_points}\n")
        for name, source in (modules or {}).items():
            (where / f"{name}.py").write_text(source)
        self.monkeypatch.syspath_prepend(str(where))


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    """Plugins installed in tmp_path; modules they brought are forgotten afterwards."""
    before = set(sys.modules)
    yield Site(tmp_path / "site", monkeypatch)
    for name in set(sys.modules) - before:
        if name.startswith(("acme_", "hischange_nunit")):
            del sys.modules[name]


def _write(tmp_path: Path, text: str, name: str = "results.xml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_builtin_formats_are_registered_by_name_and_root() -> None:
    """junit and trx come first, are built-in, and are found by their root elements."""
    registry = load_formats()
    assert registry.names()[:2] == ("junit", "trx")
    assert not registry.get("junit").plugin and not registry.get("trx").plugin
    assert registry.for_root("testsuites") == registry.get("junit")
    assert registry.for_root("testsuite") == registry.get("junit")
    assert registry.for_root(TRX_ROOT) == registry.get("trx")
    assert registry.for_root("TestRun") is None  # TRX's root outside its namespace


def test_import_report_dispatches_only_through_its_registry(tmp_path: Path) -> None:
    """A registry without JUnit does not import a JUnit file; the default one does."""
    only_trx = FormatRegistry([RegisteredFormat(TRX, "built-in")])
    with pytest.raises(UnsupportedReport, match="known test report formats: trx "):
        import_report(DATA / "pytest-junit.xml", formats=only_trx)
    assert import_report(DATA / "pytest-junit.xml").tool == "pytest"


def test_plugin_format_is_recognised_and_imported(site: Site, tmp_path: Path) -> None:
    """A format installed through the entry-point group imports its files into a TestReport."""
    site.install("acme-evidence", f"acme = {PLUGIN}:ACME")
    report = import_report(_write(tmp_path, ACME_REPORT, "acme.xml"))
    assert report.tool == "acme"
    assert (report.tool_version, report.timestamp) == ("2.1", "2026-11-02T08:00:00Z")
    totals = report.totals
    assert (totals.tests, totals.passed, totals.failures, totals.skipped) == (3, 1, 1, 1)
    assert totals.duration_ms == 19
    assert [(c.classname, c.name, c.outcome) for c in report.cases] == [
        ("his.billing", "refund", "passed"),
        ("his.billing", "fee", "failed"),
        ("his.lis", "view", "skipped"),
    ]
    assert report.cases[1].message == "amount 3 != 4"
    assert not report.passed
    # The built-in formats still work beside the plugin.
    assert import_report(DATA / "pytest-junit.xml").tool == "pytest"
    assert import_report(DATA / "results.trx").tool == "trx"


def test_plugin_file_is_unsupported_without_the_plugin(tmp_path: Path) -> None:
    """Without the plugin installed, the same file is refused as an unknown format."""
    with pytest.raises(UnsupportedReport, match=r"root element <acme-results> is not one"):
        import_report(_write(tmp_path, ACME_REPORT, "acme.xml"))


def test_plugin_entry_point_may_name_the_class(site: Site) -> None:
    """An entry point naming the format class gets an instance; origin names the package."""
    site.install("acme-evidence", f"acme = {PLUGIN}:AcmeFormat")
    entry = load_formats().get("acme")
    assert entry.plugin
    assert type(entry.format).__name__ == "AcmeFormat"
    assert entry.origin == f"acme = {PLUGIN}:AcmeFormat (from acme-evidence 1.0)"


@pytest.mark.parametrize(
    ("target", "modules", "reason"),
    [
        ("acme_absent:ACME", {}, "ModuleNotFoundError: No module named 'acme_absent'"),
        (f"{PLUGIN}:NO_SUCH_FORMAT", {}, "AttributeError"),
        (
            "acme_broken:ACME",
            {"acme_broken": 'raise RuntimeError("ACME licence key missing")\n'},
            "RuntimeError: ACME licence key missing",
        ),
    ],
    ids=["missing-module", "missing-object", "import-raises"],
)
def test_broken_plugin_is_a_config_error_naming_it(
    site: Site, target: str, modules: dict[str, str], reason: str
) -> None:
    """A plugin that cannot be loaded stops every import with exit 6, naming it and why."""
    site.install("acme-evidence", f"acme = {target}", modules)
    with pytest.raises(ConfigError) as info:
        import_report(DATA / "pytest-junit.xml")
    message = str(info.value)
    assert info.value.exit_code == 6
    assert f"evidence format plugin acme = {target} (from acme-evidence 1.0)" in message
    assert "could not be loaded" in message and reason in message
    assert ENTRY_POINT_GROUP in message  # the hint says where it is registered


def test_plugin_that_is_not_a_format_lists_what_is_missing(site: Site) -> None:
    """An object without name, title, roots and handler is refused with each problem."""
    site.install("acme-evidence", f"acme = {PLUGIN}:Nameless")
    with pytest.raises(ConfigError, match="is not a usable evidence format") as info:
        load_formats()
    message = str(info.value)
    assert f"acme = {PLUGIN}:Nameless" in message
    for problem in ("name None", "title is missing", "roots None", "handler("):
        assert problem in message


def test_plugin_name_must_match_its_entry_point(site: Site) -> None:
    """A format registered under another name than its own is refused."""
    site.install("acme-evidence", f"other = {PLUGIN}:ACME")
    with pytest.raises(ConfigError, match="named 'acme' but its entry point is named 'other'"):
        load_formats()


def test_plugin_cannot_take_a_builtin_name(site: Site) -> None:
    """A plugin named like a built-in format is a clash naming both, not a replacement."""
    site.install("acme-evidence", f"junit = {PLUGIN}:JunitImpostor")
    with pytest.raises(ConfigError) as info:
        load_formats()
    assert str(info.value).startswith(
        f"the evidence format plugin junit = {PLUGIN}:JunitImpostor (from acme-evidence 1.0) "
        "is named 'junit', a name the built-in format 'junit' already has"
    )
    assert info.value.exit_code == 6


def test_two_plugins_with_one_name_clash(site: Site) -> None:
    """Two installed packages registering the same format name are both named in the error."""
    site.install("acme-evidence", f"acme = {PLUGIN}:ACME")
    site.install("acme-fork", f"acme = {PLUGIN}:AcmeFormat")
    with pytest.raises(ConfigError, match="is named 'acme', a name") as info:
        load_formats()
    assert "acme-evidence 1.0" in str(info.value) and "acme-fork 1.0" in str(info.value)


def test_plugin_cannot_claim_a_builtin_root(site: Site) -> None:
    """A plugin claiming <testsuite> would steal JUnit files: refused, naming both formats."""
    site.install("acme-evidence", f"thief = {PLUGIN}:RootThief")
    with pytest.raises(ConfigError) as info:
        load_formats()
    message = str(info.value)
    assert f"thief = {PLUGIN}:RootThief" in message
    assert "claims the root element <testsuite>" in message
    assert "the built-in format 'junit' already claims" in message


def test_unknown_root_lists_every_known_format(site: Site, tmp_path: Path) -> None:
    """An unrecognised file is refused with every format, plugins included, and its roots."""
    site.install("acme-evidence", f"acme = {PLUGIN}:ACME")
    with pytest.raises(UnsupportedReport) as info:
        import_report(_write(tmp_path, "<test-run/>", "nunit.xml"))
    message = str(info.value)
    assert message.startswith("nunit.xml: root element <test-run> is not one of the known")
    assert f"junit ({JUNIT.title}: <testsuite>, <testsuites>)" in message
    assert f"trx ({TRX.title}: <http://microsoft.com/schemas" in message
    assert "TeamTest/2010 TestRun>)" in message
    assert "acme (ACME checker: <acme-results>)" in message
    assert "docs/evidence-formats.md" in message


def test_unknown_format_name_lists_the_known_names(site: Site) -> None:
    """Asking the registry for a format by an unknown name is a usage error listing them."""
    site.install("acme-evidence", f"acme = {PLUGIN}:ACME")
    registry = load_formats()
    assert registry.get(" TRX ").name == "trx"
    with pytest.raises(UsageError, match=r"unknown evidence format 'nunit'; known formats: "):
        registry.get("nunit")
    with pytest.raises(UsageError) as info:
        registry.get("nunit")
    assert str(info.value).split("known formats: ")[1].startswith("junit, trx, acme\n")


@pytest.mark.parametrize(
    ("entry", "root", "reason"),
    [
        ("liar = {}:LyingAcme", "liar-results", "ValidationError"),
        ("crash = {}:CrashingAcme", "crash-results", "RuntimeError: ACME handler not configured"),
    ],
    ids=["invalid-report", "handler-raises"],
)
def test_plugin_failure_on_a_file_names_the_plugin(
    site: Site, tmp_path: Path, entry: str, root: str, reason: str
) -> None:
    """A plugin's bug while importing a file is a ConfigError naming the plugin and the file."""
    site.install("acme-evidence", entry.format(PLUGIN))
    path = _write(tmp_path, f"<{root}/>", "run.xml")
    with pytest.raises(ConfigError) as info:
        import_report(path)
    message = str(info.value)
    assert message.startswith(f"the evidence format plugin {entry.format(PLUGIN)} (from acme-")
    assert "failed on run.xml" in message and reason in message


def test_installed_formats_is_remembered_until_sys_path_changes(site: Site) -> None:
    """Discovery runs once per process, again when a new path could hold plugins."""
    first = installed_formats()
    assert installed_formats() is first
    site.install("acme-evidence", f"acme = {PLUGIN}:ACME")
    again = installed_formats()
    assert again is not first and "acme" in again.names()


def _fenced(text: str, language: str) -> str:
    """The one fenced block of ``language`` in a Markdown text."""
    blocks = re.findall(rf"^```{language}\n(.*?)^```$", text, flags=re.MULTILINE | re.DOTALL)
    assert len(blocks) == 1, f"expected one ```{language} block, found {len(blocks)}"
    return str(blocks[0])


def test_documented_plugin_example_works(site: Site, tmp_path: Path) -> None:
    """docs/evidence-formats.md's NUnit plugin, installed as documented, imports its sample."""
    page = (Path(__file__).parents[2] / "docs" / "evidence-formats.md").read_text("utf-8")
    project = tomllib.loads(_fenced(page, "toml"))["project"]
    declared = project["entry-points"][ENTRY_POINT_GROUP]
    assert declared == {"nunit": "hischange_nunit:NUNIT"}
    lines = "\n".join(f"{name} = {target}" for name, target in declared.items())
    site.install(project["name"], lines, {"hischange_nunit": _fenced(page, "python")})
    report = import_report(_write(tmp_path, _fenced(page, "xml"), "TestResult.xml"))
    assert (report.tool, report.tool_version) == ("nunit", "3.16.3")
    assert [(c.classname, c.name, c.outcome, c.time_ms) for c in report.cases] == [
        ("His.Billing.Tests.FeeTests", "RefundFee", "passed", 12),
        ("His.Billing.Tests.FeeTests", "InsuranceShare", "failed", 34),
    ]
    assert report.cases[1].message == "Expected 3.40 but was 3.04"
