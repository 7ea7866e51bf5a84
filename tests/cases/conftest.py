"""The cases fixtures (`category`, `make_case`) live in tests/conftest.py: other apps use them too.

The mediation fixtures are borrowed for the role tests: a mediator sees the disputes they mediate.
"""

from tests.mediation.conftest import make_mediation, roster  # noqa: F401
