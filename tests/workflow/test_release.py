"""Release rules without a store: the version chosen from the changes (hypothesis)."""

from __future__ import annotations

import pytest
import semver
from hypothesis import given
from hypothesis import strategies as st

from hischange.errors import UsageError
from hischange.workflow.release import choose_version
from tests.support.changes import change_state

versions = st.builds(
    semver.Version,
    major=st.integers(0, 20),
    minor=st.integers(0, 20),
    patch=st.integers(0, 20),
    prerelease=st.one_of(st.none(), st.sampled_from(["rc.1", "rc.2", "alpha", "beta.3"])),
)


@given(last=versions, requested=versions)
def test_explicit_version_must_exceed_the_last(
    last: semver.Version, requested: semver.Version
) -> None:
    """An explicit version is accepted exactly when it orders after the last release."""
    if requested > last:
        assert choose_version(str(requested), last, None, [], False)[0] == str(requested)
    else:
        with pytest.raises(UsageError, match="not greater"):
            choose_version(str(requested), last, None, [], False)


@given(
    last=versions,
    kinds=st.lists(
        st.sampled_from(
            ["customization", "interface", "report", "view_interface", "bugfix", "security"]
        ),
        min_size=1,
    ),
)
def test_automatic_bump_orders_after_last_and_follows_kinds(
    last: semver.Version, kinds: list[str]
) -> None:
    """The chosen version is always greater; minor for functional kinds, patch otherwise."""
    states = [change_state(f"CR-2026-{i:04d}", k) for i, k in enumerate(kinds, 1)]
    version, why = choose_version(None, last, None, states, False)
    chosen = semver.Version.parse(version)
    assert chosen > last
    functional = set(kinds) - {"bugfix", "security"}
    assert why.startswith("minor" if functional else "patch")


def test_breaking_gives_major() -> None:
    """A change marked breaking, or a breaking view finding, bumps the major version."""
    last = semver.Version.parse("3.2.1")
    assert (
        choose_version(
            None, last, None, [change_state("CR-2026-0001", "bugfix", breaking=True)], False
        )[0]
        == "4.0.0"
    )
    assert (
        choose_version(None, last, None, [change_state("CR-2026-0001", "bugfix")], True)[0]
        == "4.0.0"
    )


def test_invalid_explicit_version() -> None:
    """A version that is not semver is a usage error naming it."""
    with pytest.raises(UsageError, match="banana"):
        choose_version("banana", None, None, [], False)
