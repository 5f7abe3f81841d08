"""Issue 14: the assessor bundle (审计包) exported from a project verifies in a fresh folder
with no project; any edited byte, a removed attachment or a removed event is exit 4 with
the place named."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hischange.ledger import canonical
from tests.conftest import Cli, FrozenClock, NewChange, Repo
from tests.support.month import november


@pytest.fixture
def bundle(run: Cli, new_change: NewChange, repo: Repo, tmp_path: Path, clock: FrozenClock) -> Path:
    """November's activity plus an on-site test with a screenshot, exported in December."""
    ids = november(run, new_change, repo, tmp_path, clock)
    shot = tmp_path.parent / f"{tmp_path.name}-screen.png"
    shot.write_bytes(b"\x89PNG\r\n\x1a\n synthetic screenshot")
    run(
        "evidence", "record", ids["view"], "--result", "pass", "--steps", "1. 挂号",
        "--expected", "成功", "--actual", "成功", "--attach", str(shot), "--as", "tester@hospital",
    )  # fmt: skip
    clock.now = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)
    out = tmp_path.parent / f"{tmp_path.name}-bundle.zip"
    written = run.json("audit", "export", "--bundle", str(out), "--since", "2026-11-01")
    assert written["attachments"] == 2  # the sign-in sheet and the screenshot
    assert "reports/monthly-2026-11.json" in written["reports"]
    assert "reports/monthly-2026-11.html" in written["reports"]
    return out


def _fresh(tmp_path: Path, clock: FrozenClock) -> Cli:
    """A CLI in an empty folder: no .hischange/, no repository."""
    empty = tmp_path.parent / f"{tmp_path.name}-fresh"
    empty.mkdir(exist_ok=True)
    return Cli(empty, clock)


def test_bundle_verifies_without_a_project(
    bundle: Path, tmp_path: Path, clock: FrozenClock, run: Cli
) -> None:
    """Copied into a folder with nothing else, the bundle verifies with hischange alone (a
    separate process, no HISCHANGE_* settings); its head is the project's."""
    fresh = tmp_path.parent / f"{tmp_path.name}-machine-b"
    fresh.mkdir()
    copy = fresh / "bundle.zip"
    copy.write_bytes(bundle.read_bytes())
    env = {k: v for k, v in os.environ.items() if not k.startswith("HISCHANGE_")}
    done = subprocess.run(
        [sys.executable, "-m", "hischange", "audit", "verify", "--bundle", "bundle.zip",
         "--format", "json"],
        cwd=fresh, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    head = run.json("audit", "verify")
    assert report["ok"] and report["events"] == head["events"]
    assert (report["head_seq"], report["head_hash"]) == (head["head_seq"], head["head_hash"])
    assert sorted(os.listdir(fresh)) == ["bundle.zip"]
    with zipfile.ZipFile(bundle) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        lines = zf.read("ledger/events.jsonl").splitlines()
    assert manifest["format"] == "hischange-bundle/1"
    assert len(lines) == head["events"]
    assert "OK" in _fresh(tmp_path, clock)("audit", "verify", "--bundle", str(bundle)).stdout


def _member_offsets(path: Path) -> dict[str, tuple[int, int]]:
    """Where each member's bytes lie in the file (stored, so they are the content)."""
    out = {}
    data = path.read_bytes()
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            at = info.header_offset
            name_len = int.from_bytes(data[at + 26 : at + 28], "little")
            extra_len = int.from_bytes(data[at + 28 : at + 30], "little")
            out[info.filename] = (at + 30 + name_len + extra_len, info.file_size)
    return out


def test_every_member_edited_is_named(bundle: Path, tmp_path: Path, clock: FrozenClock) -> None:
    """One byte changed inside any member is exit 4 naming that member."""
    fresh = _fresh(tmp_path, clock)
    original = bundle.read_bytes()
    offsets = _member_offsets(bundle)
    assert any(name.startswith("attachments/") for name in offsets)
    for name, (start, size) in offsets.items():
        data = bytearray(original)
        data[start + size // 2] ^= 0x01
        bundle.write_bytes(bytes(data))
        result = fresh("audit", "verify", "--bundle", str(bundle), code=4)
        assert name in result.stderr + result.stdout, name
    bundle.write_bytes(original)
    fresh("audit", "verify", "--bundle", str(bundle))


def test_any_byte_edited_is_caught(bundle: Path, tmp_path: Path, clock: FrozenClock) -> None:
    """Bytes anywhere in the file, headers and directory included, are caught (exit 4)."""
    fresh = _fresh(tmp_path, clock)
    original = bundle.read_bytes()
    step = max(1, len(original) // 60)
    for at in (*range(0, len(original), step), len(original) - 1):
        data = bytearray(original)
        data[at] ^= 0x20
        bundle.write_bytes(bytes(data))
        fresh("audit", "verify", "--bundle", str(bundle), code=4)
    bundle.write_bytes(original + b"\x00")
    fresh("audit", "verify", "--bundle", str(bundle), code=4)


def _rewrite(bundle: Path, change: dict[str, bytes | None], *, fix_manifest: bool) -> None:
    """Rewrite the bundle with members replaced or dropped (None), optionally with a
    manifest recomputed to match, as a careful forger would."""
    import hashlib

    with zipfile.ZipFile(bundle) as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    for name, data in change.items():
        if data is None:
            members.pop(name)
        else:
            members[name] = data
    if fix_manifest:
        manifest = json.loads(members["manifest.json"])
        manifest["files"] = [
            {"path": n, "sha256": hashlib.sha256(d).hexdigest(), "size": len(d)}
            for n, d in members.items()
            if n != "manifest.json"
        ]
        members["manifest.json"] = canonical(manifest)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data)
    bundle.write_bytes(buffer.getvalue())


@pytest.mark.parametrize("fix_manifest", [False, True])
def test_removed_attachment_is_named(
    bundle: Path, tmp_path: Path, clock: FrozenClock, fix_manifest: bool
) -> None:
    """An attachment taken out is exit 4 naming it, even with the manifest made to match."""
    with zipfile.ZipFile(bundle) as zf:
        name = next(n for n in zf.namelist() if n.startswith("attachments/"))
    _rewrite(bundle, {name: None}, fix_manifest=fix_manifest)
    result = _fresh(tmp_path, clock)("audit", "verify", "--bundle", str(bundle), code=4)
    assert name in result.stderr and "missing" in result.stderr


@pytest.mark.parametrize("fix_manifest", [False, True])
@pytest.mark.parametrize("which", ["first", "middle", "last"])
def test_removed_event_is_named(
    bundle: Path, tmp_path: Path, clock: FrozenClock, fix_manifest: bool, which: str
) -> None:
    """An event taken out of the ledger (and its hash line) is exit 4 naming the sequence
    number, even with the manifest made to match."""
    with zipfile.ZipFile(bundle) as zf:
        events = zf.read("ledger/events.jsonl").splitlines(keepends=True)
        hashes = zf.read("ledger/hashes.txt").splitlines(keepends=True)
    index = {"first": 0, "middle": len(events) // 2, "last": len(events) - 1}[which]
    del events[index], hashes[index]
    _rewrite(
        bundle,
        {"ledger/events.jsonl": b"".join(events), "ledger/hashes.txt": b"".join(hashes)},
        fix_manifest=fix_manifest,
    )
    result = _fresh(tmp_path, clock)(
        "audit", "verify", "--bundle", str(bundle), "--format", "json", code=4
    )
    problems = json.loads(result.stdout)["problems"]
    assert any(f"sequence {index + 1}" in p["place"] for p in problems), problems
    assert f"sequence {index + 1}" in result.stderr or "ledger/events.jsonl" in result.stderr


def test_not_a_bundle(tmp_path: Path, clock: FrozenClock) -> None:
    """A missing file is exit 3; a file that is no zip is exit 4; neither is a traceback."""
    fresh = _fresh(tmp_path, clock)
    fresh("audit", "verify", "--bundle", str(tmp_path / "nothing.zip"), code=3)
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip at all")
    assert "not a readable bundle" in fresh("audit", "verify", "--bundle", str(junk), code=4).stderr


def test_the_stdlib_recipe_of_the_docs_verifies_the_bundle(bundle: Path, tmp_path: Path) -> None:
    """The recipe in docs/auditor.md, run by a bare Python on the bundle, says intact; on a
    bundle with an event edited it fails."""
    doc = (Path(__file__).parents[2] / "docs" / "auditor.md").read_text(encoding="utf-8")
    recipe = doc.split("### Verifying without hischange")[1].split("```python\n")[1]
    script = tmp_path.parent / f"{tmp_path.name}-recipe.py"
    script.write_text(recipe.split("```")[0], encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-I", str(script), str(bundle)], capture_output=True, text=True
    )
    assert done.returncode == 0 and "intact:" in done.stdout, done.stderr
    with zipfile.ZipFile(bundle) as zf:
        events = zf.read("ledger/events.jsonl")
    _rewrite(bundle, {"ledger/events.jsonl": events.replace(b"dev@vendor", b"dev@vendoR", 1)},
             fix_manifest=True)  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-I", str(script), str(bundle)], capture_output=True, text=True
    )
    assert done.returncode != 0 and "sequence" in done.stderr


def test_finished_half_year_goes_in_with_its_assessment(
    bundle: Path, run: Cli, clock: FrozenClock, tmp_path: Path
) -> None:
    """Exported after the half year ends, the bundle holds the 2026H2 assessment too, and a
    signed monthly report carries its signatures; --until stops the ledger at that day."""
    clock.now = datetime(2027, 1, 5, 2, 0, tzinfo=UTC)
    run("report", "sign", "2026-11", "--as", "dev@vendor")
    run("report", "sign", "2026-11", "--as", "reviewer@hospital")
    later = tmp_path.parent / f"{tmp_path.name}-2027.zip"
    written = run.json("audit", "export", "--bundle", str(later), "--since", "2026-07-01")
    assert "reports/assessment-2026H2.json" in written["reports"]
    assert "reports/monthly-2026-12.html" in written["reports"]
    with zipfile.ZipFile(later) as zf:
        november = json.loads(zf.read("reports/monthly-2026-11.json"))
    assert november["filed"] and {s["party"] for s in november["signatures"]} == {
        "vendor",
        "hospital",
    }
    _fresh(tmp_path, clock)("audit", "verify", "--bundle", str(later))
    cut = tmp_path.parent / f"{tmp_path.name}-cut.zip"
    upto = run.json(
        "audit", "export", "--bundle", str(cut), "--since", "2026-11-01", "--until", "2026-11-30"
    )
    assert (
        upto["head_seq"]
        == run.json("report", "monthly", "--month", "2026-11")["ledger_head"]["seq"]
    )
    assert upto["events"] < written["events"]
    _fresh(tmp_path, clock)("audit", "verify", "--bundle", str(cut))
    run(
        "audit",
        "export",
        "--bundle",
        str(cut),
        "--since",
        "2026-12-01",
        "--until",
        "2026-11-01",
        code=2,
    )
