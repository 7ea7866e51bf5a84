"""The reports dashboard, served inside the admin so that it shares its login and staff check.

The project uses Django's default `admin.site`. Its URLs are extended here with the
dashboard (the documented way to add an admin page is `AdminSite.get_urls`), and its
index page gets a link to it through `index_template`.
"""

from django.contrib import admin
from django.urls import path

from reports.views import DashboardView

_site_urls = admin.site.get_urls


def _get_urls():
    dashboard = admin.site.admin_view(DashboardView.as_view(admin_site=admin.site))
    return [path("reports/dashboard/", dashboard, name="reports_dashboard"), *_site_urls()]


admin.site.get_urls = _get_urls
admin.site.index_template = "reports/admin/index.html"
