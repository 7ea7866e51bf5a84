"""Who a rule's recipients are for one subject: users, and group robots of the territory."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Q

from core.access import Role
from grids.models import GridWorker
from mediation.models import Mediator
from notifications.models import Robot
from notifications.rules import Recipients
from notifications.subjects import Subject


@dataclass(frozen=True)
class Targets:
    user_ids: frozenset[int]
    robots: tuple[Robot, ...]


def _street_admins(street_id) -> Q:
    return Q(scope__role=Role.STREET_ADMIN, scope__street_id=street_id)


def _centre_of_level(subject: Subject, level: str) -> tuple[Q, Q]:
    """(users, robots) of the centre that handles cases at `level` in the subject's territory."""
    if level in {"grid", "community"}:
        return (
            Q(scope__role=Role.COMMUNITY_STAFF, scope__community_id=subject.community_id),
            Q(community_id=subject.community_id, grid__isnull=True),
        )
    if level == "street":
        return _street_admins(subject.street_id), Q(street_id=subject.street_id, community__isnull=True)
    # The district: its viewers are the district's office; no group robot is kept above a street.
    return Q(scope__role=Role.DISTRICT_VIEWER, scope__district_code=subject.district_code), Q(pk__in=[])


def targets(subject: Subject, recipients: tuple[str, ...]) -> Targets:
    """The active users and robots the recipients name for `subject`."""
    users, robots = Q(pk__in=[]), Q(pk__in=[])
    direct: set[int] = set()
    for name in recipients:
        if name == Recipients.ASSIGNEE and subject.assignee_user_id:
            direct.add(subject.assignee_user_id)
        elif name == Recipients.REPORTER and subject.reporter_id:
            direct.add(subject.reporter_id)
        elif name == Recipients.RESPONSIBLE_WORKER and subject.responsible_user_id:
            direct.add(subject.responsible_user_id)
        elif name == Recipients.MEDIATORS:
            direct.update(subject.mediator_user_ids)
        elif name == Recipients.CENTRE:
            users |= _street_admins(subject.street_id)
            robots |= Q(street_id=subject.street_id, community__isnull=True)
        elif name == Recipients.CENTRE_ABOVE:
            level_users, level_robots = _centre_of_level(subject, subject.level)
            users, robots = users | level_users, robots | level_robots
        elif name == Recipients.GRID_GROUP and subject.grid_id:
            robots |= Q(grid_id=subject.grid_id)
    user_ids = set(
        get_user_model().objects.filter(users | Q(pk__in=direct), is_active=True).values_list("pk", flat=True)
    )
    found = tuple(Robot.objects.filter(robots, street_id=subject.street_id, is_active=True).order_by("pk"))
    return Targets(frozenset(user_ids), found)


def phones_of(user_ids) -> dict[int, str]:
    """The work phone of each user who has one: a grid worker's, else a mediator's."""
    phones = dict(
        Mediator.objects.filter(user_id__in=user_ids, is_active=True)
        .exclude(phone="")
        .values_list("user_id", "phone")
    )
    phones.update(
        GridWorker.objects.filter(user_id__in=user_ids, is_active=True)
        .exclude(phone="")
        .values_list("user_id", "phone")
    )
    return phones


def emails_of(user_ids) -> dict[int, str]:
    return dict(get_user_model().objects.filter(pk__in=user_ids).exclude(email="").values_list("pk", "email"))
