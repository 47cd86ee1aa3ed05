"""The reading fixtures (a dataset with its policy and a team with roles) serve the gatekeeper tests."""

from tests.annotations.reading.conftest import _fast_passwords, make_team  # noqa: F401 (fixtures)
