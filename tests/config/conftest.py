"""The browser and its live server, for the browsable API's phone tests."""

from tests.reports.test_dashboard_browser import browser, serial_live_server  # noqa: F401
