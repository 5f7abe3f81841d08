"""Benchmark: start-up of the commands felt most, as ratios to peer tools in the same run.

Run from the project root: ``.venv/bin/python bench/startup.py`` (``--runs N``, default 20;
``--importtime`` also prints, per command, the import cost by top-level package from
``python -X importtime``). Every command runs as a subprocess of this venv; the runs are
interleaved round by round (so load from other processes hits all alike) and the best of N
is kept; bytecode is written as for an installed package (``PYTHONDONTWRITEBYTECODE`` is
dropped from the commands' environment, the warm-up run writes it). The peers are the
venv's console scripts of commitizen (``cz``) and sqlfluff, both development dependencies.
Targets (issue 17):

- the commit-msg hook (``hischange hook check-msg MSG``, an approved change, the OK path)
  <= 1.0x ``cz check --message "fix: ..."`` (commitizen's commit-message check);
- ``hischange change list`` on a small store (one change) <= 0.6x ``sqlfluff --help``;
- ``hischange --help`` <= 0.3x ``cz --help``.

``python -c pass`` and the bare imports (click; pydantic with one model; ``hischange.events``,
which is pydantic plus our event models; GitPython; SQLAlchemy) are printed as floors,
component by component, not as targets.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

BIN = Path(sys.executable).parent


def _exe(name: str) -> str:
    path = BIN / name
    if not path.exists():
        sys.exit(f"{name} is not installed in this venv: make .venv/.installed-dev")
    return str(path)


def _project(root: Path) -> Path:
    """A git repository with a hischange project holding one approved change; returns the
    commit message file the hook is timed on."""
    hc = _exe("hischange")
    quiet = {"check": True, "cwd": root, "stdout": subprocess.DEVNULL}
    subprocess.run(["git", "init", "-q"], **quiet)  # type: ignore[call-overload]
    subprocess.run([hc, "init", "--unsigned"], **quiet)  # type: ignore[call-overload]
    config = root / ".hischange" / "config.toml"
    text = config.read_text(encoding="utf-8")
    text = text.replace("\napprovers = []\n", '\napprovers = ["reviewer@hospital"]\n', 1)
    config.write_text(text, encoding="utf-8")
    for args in (
        [
            "change",
            "new",
            "--title",
            "门诊挂号费调整",
            "--kind",
            "bugfix",
            "--as",
            "dev@vendor",
            "--rollback-plan",
            "回退到上一版本",
        ],
        ["change", "submit", "CR-2026-0001", "--as", "dev@vendor"],
        ["change", "approve", "CR-2026-0001", "--as", "reviewer@hospital"],
    ):
        subprocess.run([hc, *args], **quiet)  # type: ignore[call-overload]
    message = root / "COMMIT_MSG"
    message.write_text("fix: 挂号费\n\nHIS-Change: CR-2026-0001\n", encoding="utf-8")
    return message


def _commands(message: Path) -> dict[str, list[str]]:
    hc, cz, fluff = _exe("hischange"), _exe("cz"), _exe("sqlfluff")
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        # floors, component by component: what the commands cannot start without
        "import click": [sys.executable, "-c", "import click"],
        "import pydantic (a model)": [
            sys.executable,
            "-c",
            "import pydantic\nclass M(pydantic.BaseModel):\n    x: int = 0",
        ],
        "import hischange.events": [sys.executable, "-c", "import hischange.events"],
        "import git (GitPython)": [sys.executable, "-c", "import git"],
        "import sqlalchemy": [sys.executable, "-c", "import sqlalchemy"],
        "cz --help": [cz, "--help"],
        "cz check --message": [cz, "check", "--message", "fix: 挂号费"],
        "sqlfluff --help": [fluff, "--help"],
        "hischange --help": [hc, "--help"],
        "hischange hook check-msg": [hc, "hook", "check-msg", str(message)],
        "hischange change list": [hc, "change", "list"],
    }


#: (ours, peer, target ratio)
TARGETS = (
    ("hischange hook check-msg", "cz check --message", 1.0),
    ("hischange change list", "sqlfluff --help", 0.6),
    ("hischange --help", "cz --help", 0.3),
)


#: as installed: bytecode written (a PYTHONDONTWRITEBYTECODE shell would time compiling
#: every module of ours and of the peers from source on every run)
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def best_of(commands: dict[str, list[str]], runs: int, cwd: Path) -> dict[str, float]:
    """The fastest wall time of each command over ``runs`` interleaved rounds."""
    best = dict.fromkeys(commands, float("inf"))
    quiet = {"cwd": cwd, "env": ENV, "check": True, "stdout": subprocess.DEVNULL}
    for cmd in commands.values():  # one warm-up each (bytecode, page cache)
        subprocess.run(cmd, **quiet)  # type: ignore[call-overload]
    for _ in range(runs):
        for name, cmd in commands.items():
            start = time.perf_counter()
            subprocess.run(cmd, **quiet)  # type: ignore[call-overload]
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def import_profile(args: list[str], cwd: Path, top: int = 12) -> list[tuple[int, str]]:
    """Self time (µs) of every import under ``python -X importtime`` of ``hischange ARGS``,
    summed by top-level package (hischange by its subpackage), largest first."""
    argv = ["hischange", *args]
    code = f"import sys; from hischange.cli.main import main; sys.argv = {argv!r}; main()"
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env=ENV,
    )
    totals: dict[str, int] = defaultdict(int)
    for line in proc.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+\d+ \|\s*(\S+)$", line)
        if match:
            parts = match.group(2).split(".")
            key = ".".join(parts[:2]) if parts[0] == "hischange" else parts[0]
            totals[key] += int(match.group(1))
    return sorted(((v, k) for k, v in totals.items()), reverse=True)[:top]


def main() -> None:
    """Time every command, print the ratios beside their targets and the machine load."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--importtime", action="store_true", help="print import profiles")
    args = parser.parse_args()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="hc-startup-") as tmp:
        root = Path(tmp)
        commands = _commands(_project(root))
        best = best_of(commands, args.runs, root)
        load = (load_before, os.getloadavg())
        print(
            f"load (1 min) {load[0][0]:.2f} before, {load[1][0]:.2f} after; "
            f"{os.cpu_count()} CPUs; best of {args.runs}, interleaved"
        )
        for name, seconds in best.items():
            print(f"  {name:28}{seconds * 1000:7.1f} ms")
        for ours, peer, target in TARGETS:
            ratio = best[ours] / best[peer]
            verdict = "PASS" if ratio <= target else "MISS"
            print(f"{ours} / {peer}: {ratio:.2f}x (target <= {target}x) {verdict}")
        if args.importtime:
            for name in ("hischange hook check-msg", "hischange change list", "hischange --help"):
                argv = commands[name][1:]
                print(f"\nimport self time by package, {name} (ms):")
                for micros, package in import_profile(argv, root):
                    print(f"  {micros / 1000:7.1f}  {package}")


if __name__ == "__main__":
    main()
