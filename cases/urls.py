from django.urls import path
from rest_framework.routers import DefaultRouter

from cases import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("categories", views.CategoryViewSet, basename="category")
router.register("cases", views.CaseViewSet, basename="case")

urlpatterns = [path("me/work/", views.MyWorkView.as_view(), name="my-work"), *router.urls]
