"""The cases fixtures (`category`, `make_case`) live in tests/conftest.py: other apps use them too.

The mediation fixtures are borrowed for the role tests: a mediator sees the disputes they mediate;
the browser and its live server for the admin's browser tests.
"""

from tests.mediation.conftest import make_mediation, roster  # noqa: F401
from tests.reports.test_dashboard_browser import browser, serial_live_server  # noqa: F401
