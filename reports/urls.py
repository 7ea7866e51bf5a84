from django.urls import path

from reports import registry_views, views

urlpatterns = [
    path("resolution/", views.ResolutionReportView.as_view(), name="report-resolution"),
    path("mediation/", views.MediationReportView.as_view(), name="report-mediation"),
    path("base-data/", registry_views.BaseDataReportView.as_view(), name="report-base-data"),
    path("visits/", registry_views.VisitReportView.as_view(), name="report-visits"),
    path("rankings/", views.RankingView.as_view(), name="report-rankings"),
]
