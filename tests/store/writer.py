"""A writer process for the store tests: registers changes and prints each id once its
append has returned (flushed), so the parent knows exactly which appends completed.

Usage: python writer.py PROJECT_ROOT COUNT [SCAN]   (COUNT 0 = until killed)
The store is the project's (HISCHANGE_DB_URL, when the parent passes one).
It opens the store, prints ``ready``, and waits for one line on stdin before writing, so
that several writers start their appends together.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

from hischange.project import Project
from hischange.services import changes as service


def main() -> None:
    """Open the project, wait for the go line, append COUNT changes printing each id."""
    root, count = Path(sys.argv[1]), int(sys.argv[2])
    proj = Project(root)
    proj.store.head()  # open (and check) the store before saying ready
    print("ready", flush=True)
    sys.stdin.readline()
    fields = service.make_fields(
        {"kind": "bugfix", "title": "门诊挂号 并发写入", "rollback_plan": "恢复旧版"}
    )
    numbers = range(count) if count else itertools.count()
    for _ in numbers:
        made = service.register_change(proj, "dev@vendor", fields)
        print(made.id, flush=True)
    proj.close()


if __name__ == "__main__":
    main()
