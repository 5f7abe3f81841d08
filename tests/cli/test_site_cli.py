"""Site settings (issue 14): `[site]` names and time zone. Times are typed and shown in the
site's zone (default Asia/Shanghai); the ledger stores UTC."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import Cli, write_config

OPS = ("--as", "ops@vendor")


def _deploy(run: Cli, *extra: str) -> None:
    run("release", "import", "3.2.0", "--note", "基线", *OPS)
    run(
        "deploy", "record", "3.2.0", "--env", "test", "--site", "总院", "--operator",
        "ops@vendor", "--result", "success", *extra, *OPS,
    )  # fmt: skip


def test_maintenance_window_typed_in_beijing_time_is_stored_in_utc(run: Cli) -> None:
    _deploy(
        run, "--window-start", "2026-11-20 22:00", "--window-end", "2026-11-21 01:30",
        "--bastion-session", "BH-20261120-07", "--session-opened", "2026-11-20 21:55",
    )  # fmt: skip
    (d,) = run.json("release", "show", "3.2.0")["deployments"]
    assert d["window_start"] == "2026-11-20T14:00:00Z"
    assert d["window_end"] == "2026-11-20T17:30:00Z"
    assert d["remote_session"]["opened"] == "2026-11-20T13:55:00Z"
    shown = run("release", "show", "3.2.0").stdout
    assert "(维护窗口) 2026-11-20 22:00 CST – 2026-11-21 01:30 CST" in shown
    assert "opened 2026-11-20 21:55 CST" in shown
    # the store's clock (08:00 UTC) is 16:00 in Beijing
    assert "2026-11-02 16:00 CST" in run("deploy", "where").stdout


def test_an_explicit_offset_wins_and_utc_sites_stay_utc(tmp_path: Path, run: Cli) -> None:
    write_config(tmp_path, '[site]\ntimezone = "UTC"\n')
    _deploy(run, "--window-start", "2026-11-20 22:00", "--window-end", "2026-11-21T08:00+08:00")
    (d,) = run.json("release", "show", "3.2.0")["deployments"]
    assert d["window_start"] == "2026-11-20T22:00:00Z"
    assert d["window_end"] == "2026-11-21T00:00:00Z"
    assert "2026-11-02 08:00 UTC" in run("deploy", "where").stdout


def test_bad_times_and_zones_are_named(tmp_path: Path, run: Cli) -> None:
    run("release", "import", "3.2.0", *OPS)
    out = run("deploy", "record", "3.2.0", "--env", "test", "--site", "总院", "--operator", "o",
              "--result", "success", "--window-start", "tonight", *OPS, code=2)  # fmt: skip
    assert "--window-start 'tonight' is not a time" in out.stderr
    out = run("deploy", "record", "3.2.0", "--env", "test", "--site", "总院", "--operator", "o",
              "--result", "success", "--window-start", "2026-11-20 22:00",
              "--window-end", "2026-11-20 21:00", *OPS, code=2)  # fmt: skip
    assert "before it starts" in out.stderr
    write_config(tmp_path, '[site]\ntimezone = "Asia/Peking"\n')
    out = run("change", "list", code=6)
    assert "Asia/Peking" in out.stderr and "site.timezone" in out.stderr
    write_config(tmp_path, '[site]\ncontract_start = "2026-13-01"\n')
    assert "2026-13-01" in run("change", "list", code=6).stderr
    write_config(tmp_path, '[site]\ncontract_start = "2026-07-01"\ncontract_end = "2026-01-01"\n')
    assert "ends (2026-01-01) before it starts" in run("change", "list", code=6).stderr


def test_site_names_are_read(tmp_path: Path) -> None:
    from hischange.config import load_config

    path = tmp_path / "config.toml"
    path.write_text(
        '[site]\nhospital = "某某市人民医院"\nvendor = "某某信息"\ncontract_number = "HT-1"\n'
        'contract_start = "2026-01-01"\ncontract_end = "2026-12-31"\n',
        encoding="utf-8",
    )
    site = load_config(path).site
    assert (site.hospital, site.contract_number, site.timezone) == (
        "某某市人民医院", "HT-1", "Asia/Shanghai",
    )  # fmt: skip


def test_zone_works_without_the_system_zone_database(tmp_path: Path) -> None:
    """With no system zoneinfo (PYTHONTZPATH pointing nowhere), the tzdata package serves."""
    code = (
        "from datetime import datetime\n"
        "from hischange.config import SiteConfig, parse_site_time\n"
        "site = SiteConfig()\n"
        "print(parse_site_time('2026-11-20 22:00', site.zone, '--at').isoformat())\n"
    )
    env = {**os.environ, "PYTHONTZPATH": str(tmp_path / "no-zoneinfo")}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "2026-11-20T14:00:00+00:00"
