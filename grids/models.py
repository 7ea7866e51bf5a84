"""The territory (street → community → grid → micro-grid) and the people who work in it.

Codes follow the pattern local grid standards use: a district's 6-digit administrative
code, then 3 digits for the street, 3 for the community and 3 for the grid, so that a
grid's 15-digit code starts with its community's 12 digits and its street's 9.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.access import ASSIGNABLE_ROLES, Role
from grids.encryption import SealedCharField
from grids.privacy import validate_phone
from grids.querysets import (
    CoGovernanceMemberQuerySet,
    CommunityQuerySet,
    GridQuerySet,
    GridWorkerQuerySet,
    MicroGridQuerySet,
    StreetQuerySet,
)
from grids.validators import DigitsValidator


def _digits(count: int) -> DigitsValidator:
    return DigitsValidator(count)


class Bounded(models.Model):
    """A territory node's shape: a GeoJSON MultiPolygon in WGS-84 longitude/latitude.

    Written only through `grids.services`, which checks it (`grids.geo.boundaries`) against
    the node's parent, siblings and children and tells every server process's spatial index
    that boundaries changed (`grids.geo.index`).
    """

    boundary = models.JSONField(
        _("boundary"),
        null=True,
        blank=True,
        help_text=_('GeoJSON MultiPolygon in WGS-84 longitude/latitude: {"type": "MultiPolygon", …}.'),
    )
    label_point = models.JSONField(
        _("label point"),
        null=True,
        blank=True,
        help_text=_("Where the name is drawn: [longitude, latitude] inside the boundary; found if empty."),
    )
    boundary_synthetic = models.BooleanField(
        _("synthetic boundary"),
        default=False,
        help_text=_("Drawn for demonstration, not surveyed."),
    )

    class Meta:
        abstract = True


class Street(Bounded):
    """A street office (街道) and its comprehensive governance centre (综治中心)."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    code = models.CharField(
        _("code"),
        max_length=9,
        unique=True,
        validators=[_digits(9)],
        help_text=_("District code (6 digits) followed by the street's 3 digits."),
    )
    abbreviation = models.CharField(
        _("abbreviation"),
        max_length=6,
        unique=True,
        validators=[RegexValidator(r"^[A-Z]{2,6}$", _("Use 2 to 6 capital letters."))],
        help_text=_("Prefix of case numbers, for example SQ for SQ-2022-000123."),
    )
    district_name = models.CharField(_("district"), max_length=50)
    district_code = models.CharField(_("district administrative code"), max_length=6, validators=[_digits(6)])

    objects = StreetQuerySet.as_manager()

    class Meta:
        verbose_name = _("street")
        verbose_name_plural = _("streets")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[0-9]{9}$"), name="street_code_9_digits"
            ),
            models.CheckConstraint(
                condition=models.Q(district_code__regex=r"^[0-9]{6}$"),
                name="street_district_code_6_digits",
            ),
        ]
        indexes = [models.Index(fields=["district_code"], name="street_district_idx")]

    def __str__(self):
        return self.name

    def clean(self):
        if self.code and self.district_code and not self.code.startswith(self.district_code):
            raise ValidationError(
                {
                    "code": _("A street's code must start with its district's code %(code)s.")
                    % {"code": self.district_code}
                }
            )


class Community(Bounded):
    """A village (村) or an urban community (社区) under a street."""

    class Kind(models.TextChoices):
        URBAN = "urban", _("urban community")
        RURAL = "rural", _("rural village")

    street = models.ForeignKey(
        Street, on_delete=models.PROTECT, related_name="communities", verbose_name=_("street")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=50)
    code = models.CharField(_("code"), max_length=12, unique=True, validators=[_digits(12)])
    population = models.PositiveIntegerField(_("resident population"), default=0)

    objects = CommunityQuerySet.as_manager()

    class Meta:
        verbose_name = _("community or village")
        verbose_name_plural = _("communities and villages")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["street", "name"], name="community_unique_name_in_street"),
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[0-9]{12}$"), name="community_code_12_digits"
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.street_id and self.code and not self.code.startswith(self.street.code):
            raise ValidationError(
                {
                    "code": _("A community's code must start with its street's code %(code)s.")
                    % {"code": self.street.code}
                }
            )


class Grid(Bounded):
    """A grid (网格): the unit a grid worker patrols.

    The reports size urban grids at 1,500–2,000 residents and make each rural villager
    group (村民小组) one grid; special-purpose grids cover a school, a market or a site.
    """

    class Kind(models.TextChoices):
        URBAN_RESIDENTIAL = "urban_residential", _("urban residential grid")
        RURAL_GROUP = "rural_group", _("rural villager group grid")
        SPECIAL = "special", _("special-purpose grid")

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="grids", verbose_name=_("community or village")
    )
    code = models.CharField(_("code"), max_length=15, unique=True, validators=[_digits(15)])
    name = models.CharField(_("name"), max_length=60)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    residents = models.PositiveIntegerField(_("residents"), default=0)
    households = models.PositiveIntegerField(_("households"), default=0)
    party_branch = models.CharField(
        _("grid party branch"),
        max_length=80,
        blank=True,
        help_text=_("Name of the party branch set up on this grid, if any."),
    )

    objects = GridQuerySet.as_manager()

    class Meta:
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="grid_unique_name_in_community"),
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[0-9]{15}$"), name="grid_code_15_digits"
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.community_id and self.code and not self.code.startswith(self.community.code):
            raise ValidationError(
                {
                    "code": _("A grid's code must start with its community's code %(code)s.")
                    % {"code": self.community.code}
                }
            )


class MicroGrid(Bounded):
    """A micro-grid (微网格): one building, one unit or one party-mass home, led by a resident."""

    class Covers(models.TextChoices):
        BUILDING = "building", _("building")
        UNIT = "unit", pgettext_lazy("building", "unit")
        PARTY_HOME = "party_home", _("party-mass home")

    class LeaderTitle(models.TextChoices):
        BUILDING_LEADER = "building_leader", _("building leader")
        UNIT_LEADER = "unit_leader", _("unit leader")

    grid = models.ForeignKey(
        Grid, on_delete=models.PROTECT, related_name="micro_grids", verbose_name=_("grid")
    )
    code = models.CharField(_("code"), max_length=18, unique=True, validators=[_digits(18)])
    name = models.CharField(_("name"), max_length=60)
    covers = models.CharField(_("covers"), max_length=12, choices=Covers.choices)
    leader_title = models.CharField(
        _("leader's title"), max_length=20, blank=True, choices=LeaderTitle.choices
    )
    leader_name = models.CharField(_("leader's name"), max_length=30, blank=True)
    leader_phone = SealedCharField(
        _("leader's phone"), value_length=20, blank=True, validators=[validate_phone]
    )

    objects = MicroGridQuerySet.as_manager()

    class Meta:
        verbose_name = _("micro-grid")
        verbose_name_plural = _("micro-grids")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[0-9]{18}$"), name="micro_grid_code_18_digits"
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.grid_id and self.code and not self.code.startswith(self.grid.code):
            raise ValidationError(
                {
                    "code": _("A micro-grid's code must start with its grid's code %(code)s.")
                    % {"code": self.grid.code}
                }
            )


class GridWorker(models.Model):
    """A grid worker (网格员) with a user account, covering one or more grids of a street.

    The reports staff each grid "1+3+N": a grid leader, three workers (full-time,
    part-time, instructor) and N volunteers; a worker may also cover several grids.
    """

    class Kind(models.TextChoices):
        FULL_TIME = "full_time", _("full-time grid worker")
        PART_TIME = "part_time", _("part-time grid worker")
        GRID_LEADER = "grid_leader", _("grid leader")
        INSTRUCTOR = "instructor", _("grid instructor")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="grid_worker",
        verbose_name=_("user account"),
    )
    street = models.ForeignKey(
        Street, on_delete=models.PROTECT, related_name="workers", verbose_name=_("street")
    )
    name = models.CharField(_("name"), max_length=30)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    phone = models.CharField(_("work phone"), max_length=20, blank=True, validators=[validate_phone])
    grids = models.ManyToManyField(Grid, related_name="workers", blank=True, verbose_name=_("grids covered"))
    is_active = models.BooleanField(_("active"), default=True)

    objects = GridWorkerQuerySet.as_manager()

    class Meta:
        verbose_name = _("grid worker")
        verbose_name_plural = _("grid workers")
        ordering = ["street", "name", "pk"]
        indexes = [models.Index(fields=["street", "kind"], name="worker_street_kind_idx")]

    def __str__(self):
        return self.name


class CoGovernanceMember(models.Model):
    """A resident who helps govern a community or a grid.

    The "five members" (五员共治) of the Shengquan report, plus the volunteers of the mass
    prevention force (群防群治力量). They are residents: name and phone are personal data.
    """

    class Role(models.TextChoices):
        PARTY_GROUP_LEADER = "party_group_leader", _("party group leader")
        RESIDENT_GROUP_LEADER = "resident_group_leader", _("resident group leader")
        GRID_WORKER = "grid_worker", _("grid worker")
        OWNERS_COMMITTEE = "owners_committee", _("owners' committee member")
        PROPERTY_MANAGER = "property_manager", _("building property manager")
        VOLUNTEER = "volunteer", _("volunteer")

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="members", verbose_name=_("community or village")
    )
    grid = models.ForeignKey(
        Grid, on_delete=models.PROTECT, related_name="members", null=True, blank=True, verbose_name=_("grid")
    )
    role = models.CharField(_("role"), max_length=24, choices=Role.choices)
    name = models.CharField(_("name"), max_length=30)
    phone = SealedCharField(_("phone"), value_length=20, blank=True, validators=[validate_phone])
    joined_on = models.DateField(_("joined on"), null=True, blank=True)

    objects = CoGovernanceMemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("co-governance member")
        verbose_name_plural = _("co-governance members")
        ordering = ["community", "role", "pk"]
        indexes = [models.Index(fields=["community", "role"], name="member_community_role_idx")]

    def __str__(self):
        return f"{self.get_role_display()} #{self.pk}"

    def clean(self):
        if self.grid_id and self.community_id and self.grid.community_id != self.community_id:
            raise ValidationError({"grid": _("The grid must belong to the member's community.")})


@dataclass(frozen=True)
class RoleRecord:
    """The record a role needs before a user may hold it (a grid worker's `GridWorker` row)."""

    exists: Callable[[int], bool]
    missing: object  # the message when it is absent


# Role → its record, filled by the app that keeps it (mediation registers mediators' rows).
ROLE_RECORDS: dict[str, RoleRecord] = {}


class UserScope(models.Model):
    """Who a user is in the service and which part of the territory they act in.

    Superusers need no scope. Every other user has exactly one: the role decides what they
    may do, the territory fields decide where. A grid worker's grids are those of their
    GridWorker record.
    """

    Role = Role  # the one Role type (`core.access`); a row holds one of ASSIGNABLE_ROLES

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="scope",
        verbose_name=_("user account"),
    )
    role = models.CharField(_("role"), max_length=20, choices=[(r.value, r.label) for r in ASSIGNABLE_ROLES])
    street = models.ForeignKey(
        Street, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("street")
    )
    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("community or village"),
    )
    district_code = models.CharField(
        _("district administrative code"), max_length=6, blank=True, validators=[_digits(6)]
    )

    class Meta:
        verbose_name = _("user scope")
        verbose_name_plural = _("user scopes")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role=Role.COMMUNITY_STAFF) | models.Q(community__isnull=False),
                name="scope_community_staff_has_community",
            ),
            models.CheckConstraint(
                condition=~models.Q(role=Role.STREET_ADMIN) | models.Q(street__isnull=False),
                name="scope_street_admin_has_street",
            ),
            models.CheckConstraint(
                condition=~models.Q(role=Role.DISTRICT_VIEWER) | ~models.Q(district_code=""),
                name="scope_district_viewer_has_district",
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()}"

    def clean(self):
        required = {
            self.Role.COMMUNITY_STAFF: ("community", self.community_id),
            self.Role.STREET_ADMIN: ("street", self.street_id),
            self.Role.DISTRICT_VIEWER: ("district_code", self.district_code),
        }
        if self.role in required:
            field, value = required[self.role]
            if not value:
                raise ValidationError({field: _("This role needs this field.")})
        record = ROLE_RECORDS.get(self.role)
        if record is not None and not record.exists(self.user_id):
            raise ValidationError({"role": record.missing})


class PersonalDataReveal(models.Model):
    """Audit row: someone was shown a resident's full name, phone or ID number."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("user account")
    )
    at = models.DateTimeField(_("time"), auto_now_add=True)
    content_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.PROTECT, related_name="+", verbose_name=_("record type")
    )
    object_id = models.PositiveBigIntegerField(_("record id"))
    field = models.CharField(_("field"), max_length=30)

    class Meta:
        verbose_name = _("personal data reveal")
        verbose_name_plural = _("personal data reveals")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="reveal_object_idx")]

    def __str__(self):
        return f"{self.user} · {self.field} · {self.at:%Y-%m-%d %H:%M}"


ROLE_RECORDS[Role.GRID_WORKER] = RoleRecord(
    exists=lambda user_id: GridWorker.objects.filter(user_id=user_id).exists(),
    missing=_("Create the grid worker record for this user first."),
)


class BoundaryVersion(models.Model):
    """One row whose token changes with every boundary written or removed.

    Each server process keeps its spatial index with the token it was built from, and builds
    it again when the stored token differs (`grids.geo.index`), so that every gunicorn worker
    sees a change as soon as it is committed. A random token, not a counter: a write rolled
    back must never leave a process trusting an index built from it.
    """

    token = models.CharField(_("token"), max_length=32)
    changed_at = models.DateTimeField(_("changed at"))

    class Meta:
        verbose_name = _("boundary version")
        verbose_name_plural = _("boundary versions")

    def __str__(self):
        return f"{self.token} ({self.changed_at:%Y-%m-%d %H:%M})"
