"""The configuration an automated test ran under: Python, platform and pytest plugins."""

from __future__ import annotations

import platform
import sys
from typing import ClassVar

from pydantic import BaseModel, ConfigDict

__all__ = ["TestEnvironmentInfo", "describe_environment"]


class TestEnvironmentInfo(BaseModel):
    """What IEC 62304 §9.8 calls the configuration and tools of a test run."""

    __test__: ClassVar[bool] = False
    model_config = ConfigDict(frozen=True, extra="forbid")

    python: str
    implementation: str
    platform: str
    plugins: tuple[str, ...] = ()

    @classmethod
    def current(cls, plugins: list[str]) -> TestEnvironmentInfo:
        """Describe this interpreter; ``plugins`` are sorted and de-duplicated."""
        return cls(
            python=platform.python_version(),
            implementation=sys.implementation.name,
            platform=platform.platform(),
            plugins=tuple(sorted(set(plugins))),
        )

    def as_configuration(self) -> dict[str, str]:
        """Flat string map, the shape a test record's ``configuration`` takes."""
        return {
            "python": self.python,
            "implementation": self.implementation,
            "platform": self.platform,
            "plugins": ", ".join(self.plugins),
        }


def describe_environment(plugins: list[str]) -> dict[str, str]:
    """The configuration of this test run as a flat map (Python, platform, plugins)."""
    return TestEnvironmentInfo.current(plugins).as_configuration()
