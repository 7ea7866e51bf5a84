"""The service's URLs and, beside them, the baselines the bench compares the API with."""

from django.urls import include, path

from cases.bench import baseline

urlpatterns = [
    path("bench/raw/cases/", baseline.raw_create),
    path("bench/values/cases/", baseline.values_list),
    path("", include("config.urls")),
]
