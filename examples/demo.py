"""The hischange demo: the main job end to end on a generated sample HIS repository.

Run with `make demo`. It works in a temporary folder (kept if --keep is given) and drives
the `hischange` command exactly as a user would, printing each command and its output.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).parent))
from demo_evidence import evidence_step
from demo_release import custody_step, emergency_release_step, release_step, sql_step
from sample_repo import make_repo

HISCHANGE = str(Path(sys.executable).with_name("hischange"))
#: Who is registered, with which roles (the hospital's administrator does this once).
PEOPLE = {
    "reviewer@hospital": ("approver", "requester"),
    "dba@hospital": ("approver",),
    "tester@hospital": ("tester",),
    "auditor@hospital": ("auditor",),
    "dev@vendor": ("developer",),
    "dev2@vendor": ("developer",),
    "ops@vendor": ("operator",),
    "release@vendor": ("developer",),
    "ci@vendor": ("ci",),
}


class Demo:
    """Runs hischange commands in the sample repository and shows them."""

    def __init__(self, repo: Path, keys: dict[str, Path]) -> None:
        self.repo = repo
        self.step_no = 0
        #: Each person's throwaway private key; the actor's signs each command.
        self.keys = keys

    def step(self, title: str) -> None:
        self.step_no += 1
        print(f"\n=== {self.step_no}. {title}")

    def run(self, *args: str, expect: int = 0, show: bool = True) -> str:
        print(f"$ hischange {' '.join(shlex.quote(a) for a in args)}")
        actor = args[args.index("--as") + 1] if "--as" in args else "dev@vendor"
        env = dict(os.environ)
        if actor in self.keys:  # as the person would: their own key signs (--key / env)
            env["HISCHANGE_SIGNING_KEY"] = str(self.keys[actor])
        proc = subprocess.run(
            [HISCHANGE, *args], cwd=self.repo, capture_output=True, text=True, check=False,
            env=env,
        )  # fmt: skip
        out = (proc.stdout + proc.stderr).rstrip()
        if out and show:
            print("  " + out.replace("\n", "\n  "))
        if proc.returncode != expect:
            raise SystemExit(
                f"demo failed: exit {proc.returncode}, expected {expect}: hischange {args}"
            )
        if expect:
            print(f"  (exit {proc.returncode}, as expected)")
        return proc.stdout.strip()

    def new_change(self, *args: str) -> str:
        out = self.run("change", "new", *args, "--as", "dev@vendor", "--format", "json", show=False)
        cid = str(json.loads(out)["id"])
        print(f"  registered {cid}")
        return cid


def foundation(demo: Demo) -> dict[str, str]:
    """Issue 2: register, approve, refuse a self-approval, trace and verify."""
    demo.step("init: a signed store in .hischange/; the hospital's root key (信任根) in genesis")
    root = demo.keys["admin@hospital"]
    demo.run("init", "--trust-root", f"{root}.pub", "--as", "admin@hospital")
    demo.step("the hospital's administrator registers people, roles and public keys")
    for person, roles in PEOPLE.items():
        flags = [x for role in roles for x in ("--role", role)]
        demo.run("people", "add", person, *flags, "--key", f"{demo.keys[person]}.pub",
                 "--as", "admin@hospital", "--signing-key", str(root), show=False)  # fmt: skip
    demo.run("people", "list")

    demo.step("register three changes: free LIS interface, negotiated report, emergency fix")
    lis = demo.new_change(
        "--kind",
        "interface",
        "--title",
        "LIS 接口字段调整",
        "--system",
        "检验",
        "--requester",
        "检验科",
        "--urgency",
        "normal",
        "--billing",
        "free_interface",
        "--third-party",
        "LIS",
        "--rollback-plan",
        "恢复旧版接口配置",
    )
    report = demo.new_change(
        "--kind",
        "report",
        "--title",
        "门诊日报增加医保结算统计",
        "--system",
        "报表",
        "--requester",
        "医务科",
        "--requester-person",
        "reviewer@hospital",
        "--billing",
        "negotiated",
        "--effort",
        "3.5",
        "--rollback-plan",
        "删除新增报表视图",
    )
    fix = demo.new_change(
        "--kind",
        "bugfix",
        "--title",
        "药房发药数量取整错误",
        "--system",
        "药房",
        "--requester",
        "药剂科",
        "--urgency",
        "emergency",
        "--emergency",
        "--rollback-plan",
        "回退到上一版本",
    )
    for cid in (lis, report, fix):
        demo.run("change", "submit", cid, "--as", "dev@vendor")

    demo.step("refused: the vendor's developer approves as the reviewer, without their key")
    demo.run("change", "approve", lis, "--as", "reviewer@hospital",
             "--key", str(demo.keys["dev@vendor"]), expect=5)  # fmt: skip

    demo.step("refused: the reviewer who requested the report may not approve it (职责分离)")
    demo.run("change", "approve", report, "--as", "reviewer@hospital", expect=5)

    demo.step(
        "hospital reviewers approve (another reviewer takes the report); the emergency fix waits"
    )
    demo.run("change", "approve", lis, "--as", "reviewer@hospital")
    demo.run("change", "approve", report, "--as", "dba@hospital")
    demo.run("change", "list")
    return {"lis": lis, "report": report, "fix": fix}


def make_keys(folder: Path) -> dict[str, Path]:
    """Throwaway Ed25519 keys for every person of the demo, made with ssh-keygen."""
    folder.mkdir()
    keys = {}
    for person in ("admin@hospital", *PEOPLE):
        path = folder / person.replace("@", "_at_")
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", person, "-f", str(path)],
            check=True, capture_output=True,
        )  # fmt: skip
        keys[person] = path
    return keys


def audit(demo: Demo, ids: dict[str, str]) -> None:
    """Show the record an auditor reads."""
    demo.step("audit trace: the emergency fix from request to production and closure")
    demo.run("audit", "trace", ids["fix"])
    demo.step("audit checkpoint: the reviewer signs the head; the hospital keeps the file")
    point = demo.repo.parent / "hospital-checkpoint.json"
    demo.run("audit", "checkpoint", "--as", "reviewer@hospital", "--out", str(point))
    demo.step("audit verify: chain, projections, every signature and the checkpoint")
    demo.run("audit", "verify", "--checkpoint", str(point))


def paperwork(demo: Demo, out: Path) -> list[Path]:
    """The month's inspection report (月度巡检报告) and the assessor bundle (审计包)."""
    month = datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")
    demo.step(f"report monthly: the inspection report of {month} (a draft until the month ends)")
    demo.run("report", "monthly", "--month", month)
    written = [out / f"inspection-{month}.html"]
    demo.run("report", "monthly", "--month", month, "--format", "html", "--out", str(written[0]))
    if _pdf_possible():
        written.append(out / f"inspection-{month}.pdf")
        demo.run(
            "report", "monthly", "--month", month, "--format", "pdf", "--out", str(written[-1])
        )
    else:
        print("  (PDF skipped: needs `pip install 'hischange[paper]'` and a Chinese font,")
        print("   e.g. `apt-get install fonts-noto-cjk`)")
    demo.step("audit export: the assessor bundle, verified as an assessor would, elsewhere")
    written.append(out / "assessor-bundle.zip")
    demo.run("audit", "export", "--bundle", str(written[-1]))
    demo.run("audit", "verify", "--bundle", str(written[-1]))
    return written


def _pdf_possible() -> bool:
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):
        return False
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return True
    found = subprocess.run([fc_list, ":lang=zh", "family"], capture_output=True, text=True)
    return bool(found.stdout.strip())


def serve_instructions(repo: Path, *, kept: bool) -> None:
    """How to open the demo's ledger in the web review page (not started by the demo)."""
    where = str(repo) if kept else "<the sample repository; run `make demo ARGS=--keep`>"
    print("\nthe web review page (审批页面, not started): docs/web.md")
    print("  pip install -e '.[web]'")
    print(f"  hischange --project {where} people credentials reviewer@hospital")
    print(f"  hischange --project {where} serve    # then open http://127.0.0.1:8000/")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--keep", action="store_true", help="keep the sample repository")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="hischange-demo-"))
    repo = make_repo(work / "his")
    out = work / "paperwork"
    out.mkdir()
    print(f"sample HIS repository: {repo}")
    keys = make_keys(work / "keys")
    print(f"throwaway SSH keys made with ssh-keygen for this demo only: {work / 'keys'}")
    try:
        demo = Demo(repo, keys)
        ids = foundation(demo)
        emergency_release_step(demo, ids)
        custody_step(demo, ids)
        sql_step(demo, ids)
        evidence_step(demo, ids)
        release_step(demo, ids)
        audit(demo, ids)
        written = paperwork(demo, out)
        print("\ndemo finished: every step above is in the ledger and verifies.")
        print("the paperwork a hospital files (kept after the demo):")
        for path in written:
            print(f"  {path}")
        serve_instructions(repo, kept=args.keep)
    finally:
        if args.keep:
            print(f"kept: {work}")
        else:
            shutil.rmtree(work / "his", ignore_errors=True)


if __name__ == "__main__":
    main()
