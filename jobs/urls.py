from rest_framework.routers import DefaultRouter

from jobs import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("jobs", views.JobViewSet, basename="job")

urlpatterns = router.urls
