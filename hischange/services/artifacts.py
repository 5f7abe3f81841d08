"""Artifacts (制品): delivered packages recorded by SHA-256, so a hospital can check that what
runs is what was released."""

from __future__ import annotations

from pathlib import Path

from hischange.errors import GateFailed, UsageError
from hischange.events import AnyEvent, ArtifactAttached
from hischange.files import hash_regular
from hischange.project import Project
from hischange.services.releases import get_release
from hischange.workflow.projector import project
from hischange.workflow.release import ArtifactMatch, ReleaseState, new_artifacts

__all__ = ["attach_artifacts", "verify_artifact"]


def attach_artifacts(proj: Project, actor: str, version: str, files: list[Path]) -> ReleaseState:
    """Record delivered packages of a release by SHA-256, size and name; a file already
    attached under the same name and content is not recorded again."""
    release = get_release(proj, version)
    if not files:
        raise UsageError("no files to attach")
    events: list[ArtifactAttached] = []
    for path in files:
        digest, size = hash_regular(path, "artifact")
        events.append(
            ArtifactAttached(version=release.version, name=path.name, sha256=digest, size=size)
        )
    fresh = new_artifacts(release, events)
    if not fresh:
        return release
    batch: list[AnyEvent] = [*fresh]
    with proj.store.write(project) as tx:
        tx.append(actor, batch)
    return get_release(proj, release.version)


def verify_artifact(proj: Project, path: Path) -> ArtifactMatch:
    """Which release a file belongs to, by content; exit 1 when it is none."""
    digest, _size = hash_regular(path, "artifact")
    data = proj.store.aggregate("artifact", digest)
    if data is None:
        raise GateFailed(
            f"{path.name} (sha256 {digest[:16]}…) is not a released artifact (非发布制品)"
        )
    return ArtifactMatch.model_validate(data)
