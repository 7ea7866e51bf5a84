from django.urls import path
from rest_framework.routers import DefaultRouter

from registry import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("buildings", views.BuildingViewSet, basename="building")
router.register("houses", views.HouseViewSet, basename="house")
router.register("residents", views.ResidentViewSet, basename="resident")
router.register("key-persons", views.KeyPersonViewSet, basename="key-person")
router.register("visits", views.VisitViewSet, basename="visit")
router.register("organisations", views.OrganisationViewSet, basename="organisation")
router.register("facilities", views.FacilityViewSet, basename="facility")
router.register("resident-tags", views.ResidentTagViewSet, basename="resident-tag")
router.register("key-person-categories", views.KeyPersonCategoryViewSet, basename="key-person-category")
router.register("visit-rules", views.VisitRuleViewSet, basename="visit-rule")
router.register("safety-tags", views.SafetyTagViewSet, basename="safety-tag")
router.register("facility-types", views.FacilityTypeViewSet, basename="facility-type")

urlpatterns = [
    path("key-persons/counts/", views.KeyPersonCountsView.as_view(), name="key-person-counts"),
    *router.urls,
]
