from rest_framework.routers import DefaultRouter

from mediation import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("rooms", views.RoomViewSet, basename="mediation-room")
router.register("mediators", views.MediatorViewSet, basename="mediator")
router.register("cases", views.MediationCaseViewSet, basename="mediation-case")
router.register("parties", views.PartyViewSet, basename="mediation-party")

urlpatterns = router.urls
