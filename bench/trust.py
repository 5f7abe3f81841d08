"""Benchmark: what signing costs. Every figure beside its peer measured in the same run.

Run from the project root: ``.venv/bin/python bench/trust.py`` (``--help`` for sizes).

a. one CLI act (``hischange change new``, a fresh process each time, as a user runs it) in a
   signed project (the actor's key signs through ``ssh-keygen -Y sign``) against the same act
   in an unsigned project. Target: signing adds <= 20 ms per act (median of N each).
b. ``audit verify`` (``verify_store``: chain, head, replay, signatures) of a ledger of N
   signed acts (one ``change_edited`` each, each followed by its ``act_signed``) against the
   same N events unsigned. Target: <= 2x. The signed ledger is built in-process: the sealer's
   signing function here makes the same SSHSIG bytes as ``ssh-keygen -Y sign`` (Ed25519, with
   ``cryptography``; ``tests/trust`` checks ssh-keygen verifies such signatures), because a
   million ``ssh-keygen`` processes would take hours and verify does not care who made them.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import resource
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import load_ssh_private_key

from hischange.events import ChangeEdited, ChangeFields, ChangeRegistered
from hischange.project import Project, init_project
from hischange.services.audit import verify_store
from hischange.services.trust import Sealer, add_person, set_trust_root
from hischange.workflow.projector import project

CACHE = Path(__file__).resolve().parent / ".cache"
HISCHANGE = str(Path(sys.executable).with_name("hischange"))
CHANGE = ["--kind", "interface", "--title", "LIS 接口字段调整", "--system", "检验",
          "--requester", "检验科", "--rollback-plan", "恢复旧版接口配置"]  # fmt: skip
CHANGES = 300


def _keygen(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)
    return path


def _s(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


@cache
def _private(path: Path) -> tuple[Ed25519PrivateKey, bytes]:
    key = load_ssh_private_key(path.read_bytes(), password=None)
    assert isinstance(key, Ed25519PrivateKey)
    raw = key.public_key().public_bytes_raw()
    return key, _s(b"ssh-ed25519") + _s(raw)


def fast_sign(message: bytes, path: Path) -> str:
    """An SSHSIG as ``ssh-keygen -Y sign -n hischange`` makes it, in-process."""
    key, blob = _private(path)
    digest = hashlib.sha512(message).digest()
    signed = b"SSHSIG" + _s(b"hischange") + _s(b"") + _s(b"sha512") + _s(digest)
    sig = _s(b"ssh-ed25519") + _s(key.sign(signed))
    whole = (b"SSHSIG" + struct.pack(">I", 1) + _s(blob) + _s(b"hischange") + _s(b"")
             + _s(b"sha512") + _s(sig))  # fmt: skip
    text = base64.b64encode(whole).decode()
    lines = [text[i : i + 70] for i in range(0, len(text), 70)]
    return "-----BEGIN SSH SIGNATURE-----\n" + "\n".join(lines) + "\n-----END SSH SIGNATURE-----\n"


def _fields(i: int) -> ChangeFields:
    return ChangeFields(kind="interface", title=f"LIS 接口字段调整 第{i}版", system="检验",
                        requester_dept="检验科", rollback_plan="恢复旧版接口配置")  # fmt: skip


def _cid(i: int) -> str:
    return f"CR-2026-{i % CHANGES + 1:04d}"


def _fill(proj: Project, count: int, sealer: Sealer | None) -> None:
    """``count`` events, each its own act (signed when ``sealer`` is given)."""
    from datetime import UTC, datetime

    due = datetime(2026, 12, 1, tzinfo=UTC)
    done, batch = 0, 20_000
    with proj.store.write(project) as tx:
        regs = [ChangeRegistered(change_id=_cid(i), fields=_fields(-1), due_at=due)
                for i in range(CHANGES)]  # fmt: skip
        tx.append("dev@vendor", regs)
        if sealer:
            sealer(tx)
    while done < count:
        with proj.store.write(project) as tx:
            for i in range(done, min(count, done + batch)):
                tx.append("dev@vendor", [ChangeEdited(change_id=_cid(i), fields=_fields(i),
                                                      changed=("title",))])  # fmt: skip
                if sealer:
                    sealer(tx)
                tx.checkpoint("change", every=5000)
        done = min(count, done + batch)


def _signed_project(root: Path, keys: Path, *, fast: bool) -> tuple[Project, Path]:
    root.mkdir(parents=True, exist_ok=True)
    admin, dev = _keygen(keys / "admin"), _keygen(keys / "dev")
    proj, _ = init_project(root)
    sign = fast_sign if fast else Sealer().sign
    proj.sealer = Sealer(key=admin, sign=sign)
    set_trust_root(proj, "admin@hospital", keys / "admin.pub")
    add_person(proj, "admin@hospital", "dev@vendor", ["developer"], keys / "dev.pub")
    proj.sealer = Sealer(key=dev, sign=sign)
    return proj, dev


def part_cli(work: Path, repeat: int) -> None:
    signed_root, plain_root = work / "signed", work / "plain"
    signed_root.mkdir()
    plain_root.mkdir()
    proj, dev = _signed_project(signed_root, work / "keys-cli", fast=False)
    proj.close()
    init_project(plain_root, unsigned=True)[0].close()
    env = {**os.environ, "HISCHANGE_USER": "dev@vendor"}

    def once(root: Path, *extra: str) -> tuple[float, float]:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run([HISCHANGE, "--project", str(root), "change", "new", *CHANGE, *extra],
                       check=True, capture_output=True, env=env)  # fmt: skip
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        return wall, cpu

    signed, plain = [], []
    for _ in range(repeat):  # alternate, so load changes hit both alike
        plain.append(once(plain_root))
        signed.append(once(signed_root, "--key", str(dev)))
    for what, index in (("wall", 0), ("CPU (process + ssh-keygen)", 1)):
        ms_s = statistics.median(x[index] for x in signed) * 1000
        ms_p = statistics.median(x[index] for x in plain) * 1000
        added = ms_s - ms_p
        verdict = "PASS" if added <= 20 else "MISS"
        print(f"a. CLI act (change new), {what}, median of {repeat}: signed {ms_s:.0f} ms, "
              f"unsigned {ms_p:.0f} ms: signing adds {added:.1f} ms ({ms_s / ms_p:.2f}x); "
              f"target <= 20 ms: {verdict}")  # fmt: skip


def part_verify(work: Path, count: int, repeat: int) -> None:
    signed, _ = _signed_project(work / "vs", work / "keys-v", fast=True)
    (work / "vp").mkdir()
    plain, _ = init_project(work / "vp", unsigned=True)
    start = time.perf_counter()
    _fill(signed, count, signed.sealer)
    _fill(plain, count, None)
    print(f"   (built both ledgers in {time.perf_counter() - start:.0f} s)")
    times: dict[str, tuple[float, float]] = {}
    for name, proj in (("unsigned", plain), ("signed", signed)):
        best = (float("inf"), float("inf"))
        for _ in range(repeat):
            cpu0 = _cpu()
            t0 = time.perf_counter()
            report = verify_store(proj)
            wall = time.perf_counter() - t0
            best = min(best, (wall, _cpu() - cpu0))
            assert report.ok, report.problems[:3]
        times[name] = best
        print(f"   verify {name}: {report.events} rows ({count} acts) in {best[0]:.2f} s wall, "
              f"{best[1]:.2f} s CPU (process + worker processes)")  # fmt: skip
    floor = _ed25519_floor(count)
    (ws, cs), (wp, cp) = times["signed"], times["unsigned"]
    print(f"b. audit verify of {count} acts: signed {ws:.2f} s vs unsigned {wp:.2f} s wall = "
          f"{ws / wp:.2f}x; CPU {cs:.2f} s vs {cp:.2f} s = {cs / cp:.2f}x; target <= 2x (wall): "
          f"{'PASS' if ws / wp <= 2 else 'MISS'}")  # fmt: skip
    print(f"   component floor: {count} Ed25519 verifies alone take {floor:.2f} s CPU "
          f"({floor / count * 1e6:.0f} us each) = {floor / cp:.2f}x the whole unsigned verify; "
          f"the signed ledger also has twice the rows (an act_signed after each act)")  # fmt: skip
    print(f"   load after: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} cores")
    signed.close()
    plain.close()


def _cpu() -> float:
    """CPU seconds of this process and its reaped children (the verify's worker processes)."""
    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _ed25519_floor(count: int) -> float:
    """CPU seconds of ``count`` bare Ed25519 verifies (OpenSSL through ``cryptography``)."""
    key = Ed25519PrivateKey.generate()
    public, message = key.public_key(), b"x" * 200
    signature = key.sign(message)
    start = time.process_time()
    for _ in range(count):
        public.verify(signature, message)
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--acts", type=int, default=1_000_000, help="events for b.")
    parser.add_argument("--cli-repeat", type=int, default=15)
    parser.add_argument("--repeat", type=int, default=1, help="verify runs (best kept)")
    parser.add_argument("--only", choices=("cli", "verify"))
    args = parser.parse_args()
    CACHE.mkdir(exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="trust-", dir=CACHE))
    print(f"load: {os.getloadavg()[0]:.2f} (1 min), python {sys.version.split()[0]}")
    try:
        if args.only in (None, "cli"):
            part_cli(work, args.cli_repeat)
        if args.only in (None, "verify"):
            part_verify(work, args.acts, args.repeat)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
