"""The mediation fixtures, for the outbox and scope tests that take a mediation through its steps."""

from tests.mediation.conftest import make_mediation, roster  # noqa: F401
