# The headless browser and the live server of the dashboard's browser test, for the maps' test.
from tests.reports.test_dashboard_browser import browser, serial_live_server  # noqa: F401
