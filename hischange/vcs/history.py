"""Reading history through ONE streaming ``git log`` process.

The whole range is read from a single ``git log -z`` pipe in fixed-size chunks and parsed
record by record, so memory stays flat on any history length and a 100k-commit scan costs
about what ``git log`` itself costs. Trailers come from git's own parser
(``%(trailers:only,unfold,...)``): we never re-implement git's trailer rules here.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
from collections.abc import Generator, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import IO

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

from hischange.errors import NotFoundError, UsageError
from hischange.vcs.models import CommitInfo, CommitRange, Trailer, trusted
from hischange.vcs.plain import GitRunner, failure, git_env

__all__ = [
    "count_commits",
    "iter_commits",
    "parse_trailer_field",
    "read_commits",
    "resolve_range",
]

# %(trailers) with explicit separators: records are unambiguous even if a value has ": ".
# Without separator options git prints exactly "key: value\n" per trailer (trailer.c
# format_trailer_info), which is how the oracle output is rebuilt from these fields.
TRAILER_PLACEHOLDER = "%(trailers:only,unfold,separator=%x1e,key_value_separator=%x1f)"
# Dates as unix seconds: the result is UTC anyway, and int() + fromtimestamp is cheaper
# than parsing ISO 8601 with an offset.
_FIELDS = ("%H", "%P", "%an", "%ae", "%cn", "%ce", "%at", "%ct", "%e", TRAILER_PLACEHOLDER, "%s")
# %B goes last; with -z every field and every record ends in NUL, so the output is a flat
# stream of NUL-terminated tokens read N at a time.
_FORMAT = "%x00".join((*_FIELDS, "%B"))
_N = len(_FIELDS) + 1
_CHUNK = 1 << 16
_PIPE_SIZE = 1 << 20


def _check_rev(rev: str, spec: str) -> None:
    if rev.startswith("-") or any(ch in rev for ch in "\0\n"):
        raise UsageError(
            f"{rev!r} in range {spec!r} is not a revision",
            hint="give a range like v3.2.0..HEAD, a tag, a branch or a commit id",
        )


def _verify(repo: GitRunner, rev: str) -> str:
    return repo.run("rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}")


def resolve_range(repo: GitRunner, spec: str) -> CommitRange:
    """Resolve ``A..B``, ``A...B``, ``A..``, ``..B`` or a single revision (its whole history).

    An unknown revision raises NotFoundError naming it. An empty range is not an error: the
    result says ``empty=True`` and the caller decides.
    """
    symmetric = "..." in spec
    if symmetric or ".." in spec:
        left, _, right = spec.partition("..." if symmetric else "..")
        sides = [left or "HEAD", right or "HEAD"]
    else:
        sides = [spec]
    resolved: list[str] = []
    for rev in sides:
        _check_rev(rev, spec)
        try:
            resolved.append(_verify(repo, rev))
        except UsageError as exc:
            # rev-parse --verify --quiet fails silently (exit 1) on an unknown name.
            raise NotFoundError(
                f"unknown revision {rev!r} in range {spec!r} ({repo.info.root})",
                hint="check the name with `git tag` / `git branch -a`, or fetch it first",
            ) from exc
    base = resolved[0] if len(resolved) == 2 else None
    tip = resolved[-1]
    rev_spec = _rev_spec(base, tip, symmetric)
    empty = repo.run("rev-list", "--max-count=1", *rev_spec, "--") == ""
    return CommitRange(spec=spec, base=base, tip=tip, symmetric=symmetric, empty=empty)


def _rev_spec(base: str | None, tip: str, symmetric: bool) -> list[str]:
    if base is None:
        return [tip]
    return [f"{base}...{tip}" if symmetric else f"{base}..{tip}"]


def count_commits(repo: GitRunner, rev_range: str, *, paths: Sequence[str] | None = None) -> int:
    """How many commits ``iter_commits`` will yield (``git rev-list --count``), for progress."""
    rng = resolve_range(repo, rev_range)
    out = repo.run(
        "rev-list", "--count", *_rev_spec(rng.base, rng.tip, rng.symmetric), "--", *(paths or ())
    )
    return int(out or "0")


def parse_trailer_field(raw: str) -> tuple[Trailer, ...]:
    """Split the ``TRAILER_PLACEHOLDER`` output of one commit into trailers."""
    if not raw:
        return ()
    out = []
    for item in raw.split("\x1e"):
        key, _, value = item.partition("\x1f")
        out.append(trusted(Trailer, {"key": key, "value": value}))
    return tuple(out)


@lru_cache(maxsize=4096)
def _cached_trailers(raw: str) -> tuple[Trailer, ...]:
    # Trailer blocks repeat (one change has many commits; Signed-off-by lines recur), and
    # the models are frozen, so commits with the same block can share one tuple.
    return parse_trailer_field(raw)


def _decode(raw: bytes) -> tuple[str, bool]:
    try:
        return raw.decode("utf-8"), False
    except UnicodeDecodeError:
        # git passes bytes through when a message cannot be re-encoded (invalid bytes, an
        # unknown encoding header); keep going and flag it instead of failing the scan.
        return raw.decode("utf-8", "replace"), True


def _utc(seconds: str) -> datetime:
    return datetime.fromtimestamp(int(seconds), UTC)


def _record(f: list[str], lossy: bool) -> CommitInfo:
    # trusted(): the values come straight from git in a fixed format, and validating
    # 100k models would cost more than git log itself.
    authored = _utc(f[6])
    return trusted(
        CommitInfo,
        {
            "sha": f[0],
            "parents": tuple(f[1].split()),
            "author_name": f[2],
            "author_email": f[3],
            "committer_name": f[4],
            "committer_email": f[5],
            "authored_at": authored,
            # usually the same second (no rebase or amend): reuse the object
            "committed_at": authored if f[7] == f[6] else _utc(f[7]),
            "subject": f[10],
            "message": f[11],
            "encoding": f[8] or None,
            "trailers": _cached_trailers(f[9]) if f[9] else (),
            "message_lossy": lossy,
        },
    )


def _split(data: bytes) -> tuple[list[str], list[bool]]:
    """NUL-separated fields as text, and which fields needed replacement characters."""
    try:
        # one C-level decode of a whole chunk: the common, all-UTF-8 case
        parts = data.decode("utf-8").split("\0")
        return parts, [False] * len(parts)
    except UnicodeDecodeError:
        decoded = [_decode(raw) for raw in data.split(b"\0")]
        return [text for text, _ in decoded], [flag for _, flag in decoded]


def _records(stream: IO[bytes]) -> Generator[CommitInfo, None, int]:
    """Yield parsed records; return how many stray fields were left at the end."""
    pending: list[bytes] = []
    fields: list[str] = []
    lossy: list[bool] = []
    while chunk := stream.read(_CHUNK):
        pending.append(chunk)
        if b"\0" not in chunk:
            continue  # inside a long message: join once, when its end arrives (linear time)
        data = b"".join(pending)
        cut = data.rfind(b"\0")
        pending = [data[cut + 1 :]]
        # a NUL byte never occurs inside a UTF-8 sequence, so the cut cannot split a character
        parts, flags = _split(data[:cut])
        fields.extend(parts)
        lossy.extend(flags)
        dirty = any(lossy)  # almost never: then no record needs its own look
        used = 0
        while used + _N <= len(fields):
            yield _record(fields[used : used + _N], dirty and any(lossy[used + 9 : used + _N]))
            used += _N
        del fields[:used]
        del lossy[:used]
    return len(fields) + (1 if any(pending) else 0)


def _widen_pipe(stream: IO[bytes]) -> None:
    # A pipe holds 64 KiB by default: git stops whenever the consumer pauses (e.g. for a
    # store query every 500 commits). 1 MiB (the default limit for unprivileged processes)
    # lets git run ahead. Linux only; elsewhere, and if refused, the default stays.
    setsize = getattr(fcntl, "F_SETPIPE_SZ", None) if fcntl is not None else None
    if setsize is not None:
        with contextlib.suppress(OSError, ValueError):
            fcntl.fcntl(stream.fileno(), setsize, _PIPE_SIZE)


def iter_commits(
    repo: GitRunner,
    rev_range: str | CommitRange,
    *,
    paths: Sequence[str] | None = None,
    reverse: bool = False,
    exclude: Sequence[str] = (),
) -> Generator[CommitInfo, None, None]:
    """Yield the commits of ``rev_range`` newest first (oldest first with ``reverse``), read
    from one streaming ``git log``; without the commits reachable from ``exclude`` (commit
    ids, given to git as ``^id``).

    Messages are re-encoded to UTF-8 by git (``--encoding=UTF-8``), so commits made with
    ``i18n.commitEncoding=GBK`` read correctly; undecodable bytes are replaced and the commit
    is flagged ``message_lossy``. Trailers are exactly git's ``%(trailers:only,unfold)``.
    """
    # an already resolved range saves resolving it again (two git processes)
    rng = rev_range if isinstance(rev_range, CommitRange) else resolve_range(repo, rev_range)
    for sha in exclude:
        _check_rev(sha, rng.spec)
    args = [
        "git",
        "log",
        "-z",
        "--no-color",
        "--no-show-signature",
        "--encoding=UTF-8",
        f"--format={_FORMAT}",
        # git walks the range first and then streams in reverse: our memory stays flat
        *(["--reverse"] if reverse else []),
        *_rev_spec(rng.base, rng.tip, rng.symmetric),
        *(f"^{sha}" for sha in exclude),
        "--",
        *(paths or ()),
    ]
    yield from _stream(repo, args)


def _stream(repo: GitRunner, args: list[str]) -> Generator[CommitInfo, None, None]:
    try:
        proc = subprocess.Popen(
            args,
            cwd=repo.info.root,
            env=git_env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
    except OSError as exc:
        raise failure(str(exc), "log", repo.info.root, no_git=True) from exc
    assert proc.stdout is not None and proc.stderr is not None
    _widen_pipe(proc.stdout)
    finished = False
    try:
        leftover = yield from _records(proc.stdout)
        finished = True
    finally:
        if not finished:
            # The consumer stopped early: do not leave git blocked on a full pipe.
            proc.kill()
            proc.wait()
            proc.stdout.close()
            proc.stderr.close()
    err = proc.stderr.read()
    proc.stdout.close()
    proc.stderr.close()
    if proc.wait() != 0:
        detail = err.decode("utf-8", "replace") or f"exit code {proc.returncode}"
        raise failure(detail, "log", repo.info.root)
    if leftover:
        raise UsageError(
            f"git log ended in the middle of a record ({leftover} field(s) left over)",
            hint="run `git fsck`; if it is clean, report this as a hischange bug",
        )


def read_commits(repo: GitRunner, shas: Sequence[str]) -> list[CommitInfo]:
    """The commits named by full ids (each once, as ``iter_commits`` reads them); ids git
    does not have are left out."""
    wanted = [s for s in dict.fromkeys(shas) if re.fullmatch(r"[0-9a-f]{40}|[0-9a-f]{64}", s)]
    if not wanted:
        return []
    out = repo.run_bytes(
        "cat-file", "--batch-check=%(objectname) %(objecttype)",
        stdin="".join(f"{s}\n" for s in wanted).encode(),
    )  # fmt: skip
    have = [line.split()[0] for line in out.decode().splitlines() if line.endswith(" commit")]
    if not have:
        return []
    args = ["git", "log", "-z", "--no-color", "--no-show-signature", "--encoding=UTF-8",
            f"--format={_FORMAT}", "--no-walk=unsorted", *have, "--"]  # fmt: skip
    return list(_stream(repo, args))
