from django.urls import path

from reports import views

urlpatterns = [
    path("resolution/", views.ResolutionReportView.as_view(), name="report-resolution"),
    path("mediation/", views.MediationReportView.as_view(), name="report-mediation"),
    path("rankings/", views.RankingView.as_view(), name="report-rankings"),
]
