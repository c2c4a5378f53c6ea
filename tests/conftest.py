"""Shared test set-up: hypothesis profiles and small, cached runs of the model."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

# Bounded examples by default; CI (CI=true) runs more.
settings.register_profile(
    "default", max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "default")
)


@pytest.fixture(scope="session")
def smoke_results():
    """The smoke experiment's results, run once per test session."""
    import frivilligsim

    return frivilligsim.run(["experiment=smoke"], seed=11)
