"""The grid's base data (人、地、事、物、组织): buildings, houses, residents, key persons and their
visits, organisations and city components, as grid workers collect them on their rounds.

Everything here is placed in the territory through a grid, and is seen as the territory is
(`registry.querysets`). Key persons are seen more narrowly still. Residents' ID numbers and
phones, and the phones of landlords, building leaders and organisations' contacts, are sealed
at rest (`grids.encryption`); ID numbers and phones of residents are found through their
blind index. Nothing here is deleted: a resident moves out, a key person's supervision ends.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.history import AppendOnlyModel
from grids.encryption import BlindIndexField, SealedCharField, SealedModel, normalise_document
from grids.privacy import mask_name, validate_phone
from registry.querysets import (
    BuildingQuerySet,
    FacilityQuerySet,
    HouseQuerySet,
    KeyPersonQuerySet,
    OrganisationQuerySet,
    ResidentQuerySet,
    VisitQuerySet,
)
from registry.validators import (
    birth_date_of_id_number,
    check_point_in_grid,
    validate_credit_code,
    validate_other_document,
)


def _latitude(**extra):
    return models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
        **extra,
    )


def _longitude(**extra):
    return models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
        **extra,
    )


class Catalogue(models.Model):
    """A code and its Chinese label, edited by superusers in the admin."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=40, unique=True)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        abstract = True
        ordering = ["code"]

    def __str__(self):
        return self.name


class Building(SealedModel):
    """A building (楼栋) of a grid, the place its houses and residents are counted in."""

    class Use(models.TextChoices):
        RESIDENTIAL = "residential", _("residential")
        COMMERCIAL = "commercial", _("commercial")
        MIXED = "mixed", _("mixed residential and commercial")
        PUBLIC = "public", _("public building")
        INDUSTRIAL = "industrial", _("industrial")

    grid = models.ForeignKey(
        "grids.Grid", on_delete=models.PROTECT, related_name="buildings", verbose_name=_("grid")
    )
    # A copy of the grid's community: a building's code is unique within it.
    community = models.ForeignKey(
        "grids.Community",
        on_delete=models.PROTECT,
        related_name="buildings",
        verbose_name=_("community or village"),
        editable=False,
    )
    micro_grid = models.ForeignKey(
        "grids.MicroGrid",
        on_delete=models.PROTECT,
        related_name="buildings",
        null=True,
        blank=True,
        verbose_name=_("micro-grid"),
    )
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=60)
    address = models.CharField(_("address"), max_length=200)
    latitude = _latitude()
    longitude = _longitude()
    floors = models.PositiveSmallIntegerField(_("floors"), validators=[MinValueValidator(1)])
    units = models.PositiveSmallIntegerField(_("units"), default=1, validators=[MinValueValidator(1)])
    use = models.CharField(_("use"), max_length=12, choices=Use.choices)
    property_managed = models.BooleanField(_("property-managed"), default=False)
    property_company = models.CharField(_("property company"), max_length=80, blank=True)
    leader_name = models.CharField(_("building leader"), max_length=30, blank=True)
    leader_phone = SealedCharField(
        _("building leader's phone"), value_length=20, blank=True, validators=[validate_phone]
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = BuildingQuerySet.as_manager()

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["community", "code"]
        constraints = [
            models.UniqueConstraint(fields=["community", "code"], name="building_code_unique_in_community"),
            models.CheckConstraint(condition=Q(floors__gte=1), name="building_floors_positive"),
            models.CheckConstraint(condition=Q(units__gte=1), name="building_units_positive"),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="building_point_whole",
            ),
        ]
        indexes = [models.Index(fields=["grid", "use"], name="building_grid_use_idx")]

    def __str__(self):
        return f"{self.code} {self.name}"

    def clean(self):
        self.code = (self.code or "").strip()
        if self.micro_grid_id and self.grid_id and self.micro_grid.grid_id != self.grid_id:
            raise ValidationError({"micro_grid": _("The micro-grid must belong to the building's grid.")})
        if self.property_company and not self.property_managed:
            raise ValidationError(
                {"property_company": _("Only a property-managed building has a property company.")}
            )
        check_point_in_grid(self)


class House(SealedModel):
    """A house or flat (房屋) of a building: unit, floor and room; who uses it and how."""

    class Use(models.TextChoices):
        SELF_OCCUPIED = "self_occupied", _("self-occupied")
        RENTED = "rented", _("rented")
        VACANT = "vacant", _("vacant")
        BUSINESS = "business", _("business premises")

    building = models.ForeignKey(
        Building, on_delete=models.PROTECT, related_name="houses", verbose_name=_("building")
    )
    unit = models.PositiveSmallIntegerField(_("unit"), default=1, validators=[MinValueValidator(1)])
    floor = models.SmallIntegerField(_("floor"))
    room = models.CharField(_("room"), max_length=10)
    use = models.CharField(_("use"), max_length=14, choices=Use.choices)
    area = models.DecimalField(_("floor area (m²)"), max_digits=7, decimal_places=2, null=True, blank=True)
    landlord_name = models.CharField(_("landlord"), max_length=30, blank=True)
    landlord_phone = SealedCharField(
        _("landlord's phone"), value_length=20, blank=True, validators=[validate_phone]
    )
    lease_start = models.DateField(_("lease from"), null=True, blank=True)
    lease_end = models.DateField(_("lease until"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = HouseQuerySet.as_manager()

    class Meta:
        verbose_name = _("house")
        verbose_name_plural = _("houses")
        ordering = ["building", "unit", "floor", "room"]
        constraints = [
            models.UniqueConstraint(fields=["building", "unit", "room"], name="house_room_unique_in_unit"),
            models.CheckConstraint(
                condition=Q(use="rented")
                | Q(lease_start__isnull=True, lease_end__isnull=True, landlord_name=""),
                name="house_lease_only_when_rented",
            ),
            models.CheckConstraint(
                condition=Q(lease_end__isnull=True)
                | Q(lease_start__isnull=True)
                | Q(lease_end__gte=F("lease_start")),
                name="house_lease_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.building.name} {self.unit}-{self.room}"

    def clean(self):
        self.room = (self.room or "").strip()
        errors = {}
        if self.building_id:
            if self.unit and self.unit > self.building.units:
                errors["unit"] = _("The building has %(count)d units.") % {"count": self.building.units}
            if self.floor is not None and (self.floor > self.building.floors or self.floor == 0):
                errors["floor"] = _("The building has floors 1 to %(count)d (basements below 0).") % {
                    "count": self.building.floors
                }
        if self.use != self.Use.RENTED and (
            self.landlord_name or self.landlord_phone or self.lease_start or self.lease_end
        ):
            errors["use"] = _("Only a rented house has a landlord and a lease.")
        if self.use == self.Use.RENTED and not self.landlord_name:
            errors["landlord_name"] = _("A rented house names its landlord.")
        if self.lease_start and self.lease_end and self.lease_end < self.lease_start:
            errors["lease_end"] = _("The lease cannot end before it starts.")
        if errors:
            raise ValidationError(errors)


class ResidentTag(Catalogue):
    """A tag of the population register: elderly living alone, left-behind child …"""

    class Meta(Catalogue.Meta):
        verbose_name = _("resident tag")
        verbose_name_plural = _("resident tags")


class Resident(SealedModel):
    """A person of the population register (人口). Name, ID number and phone are personal data."""

    class Gender(models.TextChoices):
        MALE = "male", _("male")
        FEMALE = "female", _("female")

    class Document(models.TextChoices):
        ID_CARD = "id_card", _("resident identity card")
        PASSPORT = "passport", _("passport")
        OTHER = "other", _("other identity document")

    class ResidenceType(models.TextChoices):
        REGISTERED = "registered", _("registered (hukou) resident")
        PERMANENT = "permanent", _("permanent resident")
        FLOATING = "floating", _("floating population")
        FOREIGN = "foreign", _("foreign resident")

    class Relation(models.TextChoices):
        HEAD = "head", _("household head")
        SPOUSE = "spouse", _("spouse")
        CHILD = "child", _("child")
        PARENT = "parent", _("parent")
        GRANDCHILD = "grandchild", _("grandchild")
        RELATIVE = "relative", _("other relative")
        TENANT = "tenant", _("tenant")
        OTHER = "other", _("other")

    name = models.CharField(_("full name"), max_length=30)
    gender = models.CharField(_("gender"), max_length=6, choices=Gender.choices)
    document_type = models.CharField(
        _("identity document"), max_length=10, choices=Document.choices, default=Document.ID_CARD
    )
    id_number = SealedCharField(_("document number"), value_length=20)
    id_number_index = BlindIndexField(_("document number index"), source="id_number", kind="document")
    nationality = models.CharField(_("nationality"), max_length=40, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    phone = SealedCharField(_("phone"), value_length=20, blank=True, validators=[validate_phone])
    phone_index = BlindIndexField(_("phone index"), source="phone", kind="phone")
    ethnicity = models.CharField(_("ethnicity"), max_length=20, blank=True)
    residence_type = models.CharField(_("residence type"), max_length=12, choices=ResidenceType.choices)
    # Where the resident lives now; the grid stays after they move out, so that the register
    # keeps them in the territory that recorded them (nothing is deleted).
    house = models.ForeignKey(
        House,
        on_delete=models.PROTECT,
        related_name="residents",
        null=True,
        blank=True,
        verbose_name=_("house"),
    )
    grid = models.ForeignKey(
        "grids.Grid", on_delete=models.PROTECT, related_name="residents_registered", verbose_name=_("grid")
    )
    relation_to_head = models.CharField(
        _("relation to the household head"), max_length=12, choices=Relation.choices, blank=True
    )
    tags = models.ManyToManyField(ResidentTag, related_name="residents", blank=True, verbose_name=_("tags"))
    moved_out = models.BooleanField(_("moved out"), default=False)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ResidentQuerySet.as_manager()

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        ordering = ["grid", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["document_type", "id_number_index"], name="resident_one_record_per_document"
            ),
            models.CheckConstraint(
                condition=Q(moved_out=False, house__isnull=False) | Q(moved_out=True, house__isnull=True),
                name="resident_lives_in_a_house_unless_moved_out",
            ),
        ]
        indexes = [models.Index(fields=["grid", "name"], name="resident_grid_name_idx")]

    def __str__(self):
        return mask_name(self.name)

    def clean(self):
        # One spelling per document, so that the blind index finds it whatever was typed.
        self.name = (self.name or "").strip()
        self.id_number = normalise_document(self.id_number)
        self.phone = (self.phone or "").strip()
        if self.document_type == self.Document.ID_CARD:
            self._check_id_card()
        elif self.id_number:
            try:
                validate_other_document(self.id_number)
            except ValidationError as error:
                raise ValidationError({"id_number": error.error_list}) from None
            if not self.nationality:
                raise ValidationError({"nationality": _("Name the country of a foreign document.")})
        if self.residence_type == self.ResidenceType.FOREIGN and self.document_type == self.Document.ID_CARD:
            raise ValidationError(
                {"document_type": _("A foreign resident is recorded with a passport or another document.")}
            )

    def _check_id_card(self):
        try:
            born = birth_date_of_id_number(self.id_number)
        except ValidationError as error:
            raise ValidationError({"id_number": error.error_list}) from None
        if self.birth_date and self.birth_date != born:
            raise ValidationError({"birth_date": _("The birth date differs from the one in the ID number.")})
        self.birth_date = born


class Residence(models.Model):
    """A stay of a resident in a house, from the day they moved in to the day they moved out.

    Rows are never deleted: a move out dates the stay's end, a move in opens the next.
    """

    resident = models.ForeignKey(
        Resident, on_delete=models.PROTECT, related_name="residences", verbose_name=_("resident")
    )
    house = models.ForeignKey(
        House, on_delete=models.PROTECT, related_name="residences", verbose_name=_("house")
    )
    relation_to_head = models.CharField(
        _("relation to the household head"), max_length=12, choices=Resident.Relation.choices, blank=True
    )
    moved_in_on = models.DateField(_("moved in on"))
    moved_out_on = models.DateField(_("moved out on"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("residence")
        verbose_name_plural = _("residence history")
        ordering = ["resident", "moved_in_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["resident"],
                condition=Q(moved_out_on__isnull=True),
                name="residence_one_open_per_resident",
            ),
            models.CheckConstraint(
                condition=Q(moved_out_on__isnull=True) | Q(moved_out_on__gte=F("moved_in_on")),
                name="residence_ends_after_it_starts",
            ),
        ]

    def __str__(self):
        return f"{self.resident_id} @ {self.house_id} {self.moved_in_on}–{self.moved_out_on or ''}"


class KeyPersonCategory(Catalogue):
    """A category of the special population (特殊人群) that comprehensive governance follows."""

    class Meta(Catalogue.Meta):
        verbose_name = _("key-person category")
        verbose_name_plural = _("key-person categories")


class RiskLevel(models.TextChoices):
    HIGH = "high", _("high risk")
    MEDIUM = "medium", _("medium risk")
    LOW = "low", _("low risk")


class VisitRule(models.Model):
    """How often a key person of a category and risk level is visited: every `interval_days`."""

    category = models.ForeignKey(
        KeyPersonCategory, on_delete=models.PROTECT, related_name="visit_rules", verbose_name=_("category")
    )
    risk_level = models.CharField(_("risk level"), max_length=8, choices=RiskLevel.choices)
    interval_days = models.PositiveSmallIntegerField(
        _("visit every (days)"), validators=[MinValueValidator(1), MaxValueValidator(366)]
    )

    class Meta:
        verbose_name = _("visit frequency rule")
        verbose_name_plural = _("visit frequency rules")
        ordering = ["category", "risk_level"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "risk_level"], name="visit_rule_per_category_and_level"
            ),
            models.CheckConstraint(condition=Q(interval_days__gte=1), name="visit_rule_interval_positive"),
        ]

    def __str__(self):
        return f"{self.category} · {self.get_risk_level_display()} · {self.interval_days}"


class KeyPersonStatus(models.TextChoices):
    ACTIVE = "active", _("under supervision")
    ENDED = "ended", _("supervision ended")


class KeyPerson(models.Model):
    """A resident of a key-person category (重点人员), visited by the worker responsible for them.

    Visible only to the centre and to that worker (`KeyPersonQuerySet.visible_to`). Its status,
    risk level, worker and next visit change only through `registry.keypersons`, each step
    leaving a `KeyPersonEvent` and an outbox event.
    """

    resident = models.ForeignKey(
        Resident, on_delete=models.PROTECT, related_name="key_person_records", verbose_name=_("resident")
    )
    category = models.ForeignKey(
        KeyPersonCategory, on_delete=models.PROTECT, related_name="key_persons", verbose_name=_("category")
    )
    # A copy of the resident's grid at registration, so that scope and reports need no join.
    grid = models.ForeignKey("grids.Grid", on_delete=models.PROTECT, related_name="+", verbose_name=_("grid"))
    risk_level = models.CharField(_("risk level"), max_length=8, choices=RiskLevel.choices)
    responsible_worker = models.ForeignKey(
        "grids.GridWorker",
        on_delete=models.PROTECT,
        related_name="key_persons",
        verbose_name=_("responsible worker"),
    )
    status = models.CharField(
        _("status"),
        max_length=8,
        choices=KeyPersonStatus.choices,
        default=KeyPersonStatus.ACTIVE,
        editable=False,
    )
    registered_on = models.DateField(_("registered on"))
    next_visit_due = models.DateField(_("next visit due"), null=True, blank=True, editable=False)
    last_visited_on = models.DateField(_("last visited on"), null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = KeyPersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("key person")
        verbose_name_plural = _("key persons")
        ordering = ["next_visit_due", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["resident", "category"],
                condition=Q(status="active"),
                name="key_person_once_per_category_while_active",
            ),
            models.CheckConstraint(
                condition=Q(status="ended") | Q(next_visit_due__isnull=False),
                name="key_person_active_has_due_day",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_visit_due"], name="key_person_status_due_idx"),
            models.Index(fields=["responsible_worker", "status"], name="key_person_worker_idx"),
        ]

    def __str__(self):
        return f"{self.category} #{self.pk}"


class KeyPersonEvent(AppendOnlyModel):
    """One recorded step of a key person's supervision (`core.history`)."""

    key_person = models.ForeignKey(
        KeyPerson, on_delete=models.PROTECT, related_name="events", verbose_name=_("key person")
    )
    action = models.CharField(_("action"), max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("done by"),
    )
    at = models.DateTimeField(_("time"))
    from_status = models.CharField(
        _("from status"), max_length=8, choices=KeyPersonStatus.choices, blank=True
    )
    to_status = models.CharField(_("to status"), max_length=8, choices=KeyPersonStatus.choices)
    note = models.TextField(_("note"), blank=True)
    changes = models.JSONField(_("changed fields"), default=dict, blank=True)

    class Meta:
        verbose_name = _("key-person history entry")
        verbose_name_plural = _("key-person history")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["key_person", "at"], name="key_person_event_at_idx")]

    def __str__(self):
        return f"{self.key_person_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


class Visit(models.Model):
    """A visit record (走访记录): when, by whom, how, what was found and when the next is due.

    `due_on` is the day the visit was due; it is done on time when `visited_on` is not later.
    """

    class Form(models.TextChoices):
        HOME = "home", _("home visit")
        PHONE = "phone", _("phone call")
        VIDEO = "video", _("video call")

    key_person = models.ForeignKey(
        KeyPerson, on_delete=models.PROTECT, related_name="visits", verbose_name=_("key person")
    )
    visited_on = models.DateField(_("visited on"))
    due_on = models.DateField(_("was due on"))
    worker = models.ForeignKey(
        "grids.GridWorker", on_delete=models.PROTECT, related_name="visits", verbose_name=_("grid worker")
    )
    form = models.CharField(_("form"), max_length=6, choices=Form.choices)
    findings = models.TextField(_("findings"))
    next_due = models.DateField(_("next visit due"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("visit record")
        verbose_name_plural = _("visit records")
        ordering = ["key_person", "visited_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(next_due__gt=F("visited_on")), name="visit_next_due_after_visit"
            ),
        ]
        indexes = [models.Index(fields=["due_on"], name="visit_due_idx")]

    def __str__(self):
        return f"{self.key_person_id} {self.visited_on}"


class SafetyTag(Catalogue):
    """A fire- or public-safety tag of an organisation: 九小场所 (the small venues of fire checks) …"""

    class Meta(Catalogue.Meta):
        verbose_name = _("safety tag")
        verbose_name_plural = _("safety tags")


class Organisation(SealedModel):
    """An enterprise, shop, social or party organisation (组织/单位) of a grid."""

    class Kind(models.TextChoices):
        ENTERPRISE = "enterprise", _("enterprise")
        SHOP = "shop", _("shop or individual business")
        SOCIAL = "social", _("social organisation")
        PARTY = "party", _("party organisation")
        PUBLIC = "public", _("public institution")
        OTHER = "other", _("other organisation")

    name = models.CharField(_("name"), max_length=100)
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, blank=True, validators=[validate_credit_code]
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    grid = models.ForeignKey(
        "grids.Grid", on_delete=models.PROTECT, related_name="organisations", verbose_name=_("grid")
    )
    building = models.ForeignKey(
        Building,
        on_delete=models.PROTECT,
        related_name="organisations",
        null=True,
        blank=True,
        verbose_name=_("building"),
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    contact_name = models.CharField(_("contact"), max_length=30, blank=True)
    contact_phone = SealedCharField(
        _("contact phone"), value_length=20, blank=True, validators=[validate_phone]
    )
    safety_tags = models.ManyToManyField(
        SafetyTag, related_name="organisations", blank=True, verbose_name=_("safety tags")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["grid", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"], condition=~Q(credit_code=""), name="organisation_credit_code_unique"
            ),
            models.CheckConstraint(
                condition=Q(building__isnull=False) | ~Q(address=""),
                name="organisation_has_building_or_address",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        self.credit_code = (self.credit_code or "").strip().upper()
        if self.building_id and self.grid_id and self.building.grid_id != self.grid_id:
            raise ValidationError({"building": _("The building must be in the organisation's grid.")})
        if not self.building_id and not (self.address or "").strip():
            raise ValidationError({"address": _("Give the building or the address.")})


class FacilityType(Catalogue):
    """A kind of city component (部件) of GB/T 30428.2, under its major class."""

    class Major(models.TextChoices):
        UTILITIES = "utilities", _("public utilities")
        TRAFFIC = "traffic", _("roads and traffic")
        ENVIRONMENT = "environment", _("city appearance and environment")
        GREENERY = "greenery", _("parks and greenery")
        BUILDINGS = "buildings", _("housing and land")
        OTHER = "other", _("other facilities")

    major = models.CharField(_("major class"), max_length=12, choices=Major.choices)

    class Meta(Catalogue.Meta):
        verbose_name = _("facility type")
        verbose_name_plural = _("facility types")


class Facility(models.Model):
    """A city component (物): a manhole cover, a street light, a fire hydrant, a camera …"""

    class State(models.TextChoices):
        GOOD = "good", _("in good order")
        DAMAGED = "damaged", _("damaged")
        MISSING = "missing", _("missing")
        RETIRED = "retired", _("taken out of service")

    code = models.CharField(_("code"), max_length=30, unique=True)
    type = models.ForeignKey(
        FacilityType, on_delete=models.PROTECT, related_name="facilities", verbose_name=_("type")
    )
    grid = models.ForeignKey(
        "grids.Grid", on_delete=models.PROTECT, related_name="facilities", verbose_name=_("grid")
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    latitude = _latitude()
    longitude = _longitude()
    owner_unit = models.CharField(_("owner unit"), max_length=80)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.GOOD)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = FacilityQuerySet.as_manager()

    class Meta:
        verbose_name = _("city facility")
        verbose_name_plural = _("city facilities")
        ordering = ["grid", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="facility_point_whole",
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.type}"

    def clean(self):
        check_point_in_grid(self)


class ResidentExport(AppendOnlyModel):
    """Audit row: a street administrator downloaded a (masked) list of residents."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("user account")
    )
    at = models.DateTimeField(_("time"), auto_now_add=True)
    file_format = models.CharField(_("format"), max_length=4)
    rows = models.PositiveIntegerField(_("rows"))
    filters = models.JSONField(_("filters"), default=dict, blank=True)

    class Meta:
        verbose_name = _("resident export")
        verbose_name_plural = _("resident exports")
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.user} · {self.at:%Y-%m-%d %H:%M} · {self.rows}"
