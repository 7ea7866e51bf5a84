from django.urls import path
from rest_framework.routers import DefaultRouter

from grids import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False  # the API's root (config) lists every endpoint
router.register("streets", views.StreetViewSet, basename="street")
router.register("communities", views.CommunityViewSet, basename="community")
router.register("grids", views.GridViewSet, basename="grid")
router.register("micro-grids", views.MicroGridViewSet, basename="micro-grid")
router.register("workers", views.GridWorkerViewSet, basename="worker")
router.register("members", views.CoGovernanceMemberViewSet, basename="member")

urlpatterns = [
    path("me/", views.MeView.as_view(), name="me"),
    path("locate/", views.LocateView.as_view(), name="locate"),
    *[
        path(f"geo/{level}/", views.GeoView.as_view(level=level), name=f"geo-{level}")
        for level in views.GEO_LEVELS
    ],
    *router.urls,
]
