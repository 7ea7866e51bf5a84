"""Reads of mediation: who sees which rooms, mediators and mediation cases.

Territorial roles see their territory's part, as everywhere else. A mediator sees the
rooms and mediators of their street (to pick a colleague or a room) and only the
mediation cases they lead or assist, or that are held in their home room.
"""

from django.db import models

from core.access import ACCESS
from grids.models import Community
from grids.scope import COMMUNITY, GRIDS, MEDIATION, Scope


class RoomQuerySet(models.QuerySet):
    def visible_to(self, scope: Scope):
        """Rooms of the scope's territory; street rooms serve, and are seen by, every community."""
        if scope.level == MEDIATION:
            return self.filter(street_id=scope.street_id)
        if scope.level in (COMMUNITY, GRIDS):
            # The communities in scope, then their own rooms and their streets' street rooms.
            communities = Community.objects.visible_to(scope)
            return self.filter(
                models.Q(community__in=communities)
                | models.Q(community__isnull=True, street__in=communities.values("street_id"))
            )
        return scope.filter(self, district="street__district_code", street="street_id")


class MediatorQuerySet(models.QuerySet):
    def visible_to(self, scope: Scope):
        """Mediators serve the whole street: everyone working in the street sees them."""
        if scope.level == MEDIATION:
            return self.filter(street_id=scope.street_id)
        if scope.level in (COMMUNITY, GRIDS):
            return self.filter(street__in=Community.objects.visible_to(scope).values("street_id"))
        return scope.filter(self, district="street__district_code", street="street_id")


def sees_mediation_details(scope: Scope) -> bool:
    """Grid workers see that a dispute of their grids is in mediation and how it stands, not what
    the parties said or agreed: no parties, sessions, agreement, follow-ups, amounts or history
    notes (the grant `mediation.read_details`)."""
    return ACCESS.role_may("mediation", "read_details", scope.role)


class MediationCaseQuerySet(models.QuerySet):
    def visible_to(self, scope: Scope):
        if scope.level == MEDIATION:
            return self.filter(
                models.Q(lead_mediator_id=scope.mediator_id)
                | models.Q(room_id=scope.room_id, room__isnull=False)
                | models.Q(
                    pk__in=self.model.assisting_mediators.through.objects.filter(
                        mediator_id=scope.mediator_id
                    ).values("mediationcase_id")
                )
            )
        return scope.filter(
            self,
            district="street__district_code",
            street="street_id",
            community="community_id",
            grid="case__grid_id",
        )

    def with_latest_performance(self):
        """`latest_performance`: what the latest follow-up found (null before any), for filters."""
        from mediation.models import FollowUp

        latest = FollowUp.objects.filter(mediation=models.OuterRef("pk")).order_by("-visited_on", "-pk")
        return self.alias(latest_performance=models.Subquery(latest.values("performance")[:1]))

    def for_list(self):
        return self.select_related("case", "street", "community", "lead_mediator", "room")
