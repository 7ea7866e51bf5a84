"""Cases: grid events, disputes and city-management cases, and their recorded history.

A case moves through the closed loop of digital urban management (信息收集 → 立案 → 派遣 →
处置 → 核查 → 结案). Its status, number, reporter, stage times and version change only
through the services in `cases.services`, each of which writes a `CaseEvent`.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cases.querysets import OPEN_STATUSES, CaseQuerySet, DispatchUnitQuerySet
from core.history import AppendOnlyModel
from core.models import (
    IdempotencyKey,  # noqa: F401  (kept here by name: it lived in this app)
    load_row,
)
from grids.encryption import SealedCharField


class Kind(models.TextChoices):
    INCIDENT = "incident", _("grid event")
    DISPUTE = "dispute", _("dispute")
    CITY_MANAGEMENT = "city_management", _("city-management case")


class Triage(models.TextChoices):
    """三事分流: who a matter belongs to."""

    BIG = "big", _("big matter (government departments)")
    SMALL = "small", _("small matter (community or grid)")
    PRIVATE = "private", _("private matter (residents, with guidance)")


class Level(models.TextChoices):
    """Handling level, from the lowest up; escalation moves one step up."""

    GRID = "grid", _("grid")
    COMMUNITY = "community", _("community")
    STREET = "street", _("street")
    DISTRICT = "district", _("district")


LEVEL_ORDER = [Level.GRID, Level.COMMUNITY, Level.STREET, Level.DISTRICT]


class Source(models.TextChoices):
    PATROL = "patrol", _("patrol")
    RESIDENT = "resident", _("resident report")
    HOTLINE = "hotline_12345", _("12345 hotline")
    WECHAT = "wechat_group", _("grid WeChat group")
    VIDEO = "video", _("video surveillance")
    TRANSFER = "transfer", _("transfer from another unit")


class Priority(models.TextChoices):
    LOW = "low", _("low")
    NORMAL = "normal", _("normal")
    HIGH = "high", _("high")
    URGENT = "urgent", _("urgent")


class Status(models.TextChoices):
    REPORTED = "reported", _("reported")
    ACCEPTED = "accepted", _("accepted")
    ASSIGNED = "assigned", _("assigned")
    IN_PROGRESS = "in_progress", _("in progress")
    RESOLVED = "resolved", _("resolved, awaiting verification")
    CLOSED = "closed", _("closed")
    REJECTED = "rejected", _("not accepted")
    MERGED = "merged", _("merged as a duplicate")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("satisfied")
    BASICALLY = "basically_satisfied", _("basically satisfied")
    DISSATISFIED = "dissatisfied", _("dissatisfied")


class MajorCategory(models.Model):
    """Major class (大类) of the event catalogue."""

    code = models.CharField(_("code"), max_length=2, unique=True, validators=[RegexValidator(r"^[0-9]{2}$")])
    name = models.CharField(_("name"), max_length=30, unique=True)
    default_kind = models.CharField(_("default case kind"), max_length=20, choices=Kind.choices)

    class Meta:
        verbose_name = _("major category")
        verbose_name_plural = _("major categories")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"


class Category(models.Model):
    """Minor class (小类): what a case is about, with its default time limit and routing."""

    major = models.ForeignKey(
        MajorCategory, on_delete=models.PROTECT, related_name="categories", verbose_name=_("major category")
    )
    code = models.CharField(_("code"), max_length=4, unique=True, validators=[RegexValidator(r"^[0-9]{4}$")])
    name = models.CharField(_("name"), max_length=30)
    time_limit_hours = models.PositiveIntegerField(
        _("time limit (hours)"), validators=[MinValueValidator(1), MaxValueValidator(24 * 365)]
    )
    default_triage = models.CharField(_("default triage"), max_length=10, choices=Triage.choices)
    default_level = models.CharField(_("default handling level"), max_length=10, choices=Level.choices)
    is_active = models.BooleanField(_("in use"), default=True)
    # What counts as a possible duplicate of a new case of this category (FixMyStreet shows
    # nearby reports before a new one is made): an open case within this distance, reported
    # within this many hours.
    duplicate_radius_m = models.PositiveIntegerField(
        _("duplicate radius (m)"), default=50, validators=[MinValueValidator(1), MaxValueValidator(5000)]
    )
    duplicate_window_hours = models.PositiveIntegerField(
        _("duplicate period (hours)"),
        default=72,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 90)],
    )

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["major", "name"], name="category_unique_name_in_major"),
            models.CheckConstraint(
                condition=models.Q(time_limit_hours__gte=1), name="category_time_limit_positive"
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    # Read with every case of a list (`core.models.load_row`).
    from_db = classmethod(load_row)

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.major_id and self.code and not self.code.startswith(self.major.code):
            raise ValidationError({"code": _("A minor class's code starts with its major class's code.")})


# What the resolution report reads of each case (`reports.selectors`, `reports.metrics`).
REPORT_COLUMNS = [
    "street",
    "community",
    "grid",
    "category",
    "assignee_worker",
    "kind",
    "status",
    "level",
    "source",
    "triage",
    "accepted_at",
    "closed_at",
    "due_at",
    "rework_count",
    "escalation_count",
    "satisfaction",
]


class Case(models.Model):
    number = models.CharField(_("number"), max_length=24, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="cases", verbose_name=_("category")
    )
    # The street and community are copies of the grid's parents, kept for fast reporting.
    street = models.ForeignKey(
        "grids.Street", on_delete=models.PROTECT, related_name="cases", verbose_name=_("street")
    )
    community = models.ForeignKey(
        "grids.Community",
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("community or village"),
    )
    grid = models.ForeignKey(
        "grids.Grid", on_delete=models.PROTECT, related_name="cases", verbose_name=_("grid")
    )
    micro_grid = models.ForeignKey(
        "grids.MicroGrid",
        on_delete=models.PROTECT,
        related_name="cases",
        null=True,
        blank=True,
        verbose_name=_("micro-grid"),
    )
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, default=Source.PATROL)
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    triage = models.CharField(_("triage"), max_length=10, choices=Triage.choices)
    level = models.CharField(_("handling level"), max_length=10, choices=Level.choices)
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    # The base data the case is about (一次采集、多边利用): a case logged at a building shows it.
    building = models.ForeignKey(
        "registry.Building",
        on_delete=models.PROTECT,
        related_name="cases",
        null=True,
        blank=True,
        verbose_name=_("building"),
    )
    house = models.ForeignKey(
        "registry.House",
        on_delete=models.PROTECT,
        related_name="cases",
        null=True,
        blank=True,
        verbose_name=_("house"),
    )
    resident = models.ForeignKey(
        "registry.Resident",
        on_delete=models.PROTECT,
        related_name="cases",
        null=True,
        blank=True,
        verbose_name=_("resident"),
    )
    organisation = models.ForeignKey(
        "registry.Organisation",
        on_delete=models.PROTECT,
        related_name="cases",
        null=True,
        blank=True,
        verbose_name=_("organisation"),
    )
    facility = models.ForeignKey(
        "registry.Facility",
        on_delete=models.PROTECT,
        related_name="cases",
        null=True,
        blank=True,
        verbose_name=_("city facility"),
    )
    contact_name = models.CharField(_("resident's name"), max_length=30, blank=True)
    contact_phone = SealedCharField(_("resident's phone"), value_length=20, blank=True)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="reported_cases",
        verbose_name=_("reported by"),
        editable=False,
    )
    assignee_worker = models.ForeignKey(
        "grids.GridWorker",
        on_delete=models.PROTECT,
        related_name="assigned_cases",
        null=True,
        blank=True,
        verbose_name=_("assigned worker"),
        editable=False,
    )
    assignee_unit = models.CharField(
        pgettext_lazy("organisation", "assigned unit"), max_length=80, blank=True, editable=False
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.REPORTED, editable=False
    )
    on_the_spot = models.BooleanField(_("resolved on the spot"), default=False, editable=False)
    reported_at = models.DateTimeField(_("reported at"), editable=False)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True, editable=False)
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True, editable=False)
    started_at = models.DateTimeField(_("handling started at"), null=True, blank=True, editable=False)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    rejected_at = models.DateTimeField(_("rejected at"), null=True, blank=True, editable=False)
    due_at = models.DateTimeField(_("due at"), editable=False)
    is_overdue = models.BooleanField(_("marked overdue"), default=False, editable=False)
    result = models.TextField(_("result"), blank=True, editable=False)
    rework_count = models.PositiveIntegerField(_("reworks"), default=0, editable=False)
    escalation_count = models.PositiveIntegerField(_("escalations"), default=0, editable=False)
    satisfaction = models.CharField(
        _("resident satisfaction"), max_length=20, choices=Satisfaction.choices, blank=True, editable=False
    )
    feedback_note = models.TextField(_("feedback"), blank=True, editable=False)
    # A duplicate closed by `merge` points at the case it was merged into, which lists it.
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        related_name="duplicates",
        null=True,
        blank=True,
        verbose_name=_("merged into"),
        editable=False,
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    # Another workflow holding the case (`cases.holds`): its kind ("mediation") and its id.
    holder_kind = models.CharField(_("held by"), max_length=20, blank=True, editable=False)
    holder_id = models.PositiveBigIntegerField(_("holder id"), null=True, blank=True, editable=False)
    # When the service stored the case; a seeded case's is the time it stands for.
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-reported_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(satisfaction="") | models.Q(status="closed"),
                name="case_feedback_only_when_closed",
            ),
            models.CheckConstraint(
                condition=models.Q(closed_at__isnull=True) | models.Q(status="closed"),
                name="case_closed_at_only_when_closed",
            ),
            models.CheckConstraint(condition=models.Q(version__gte=1), name="case_version_positive"),
            models.CheckConstraint(
                condition=models.Q(merged_into__isnull=True) | models.Q(status="merged"),
                name="case_merged_into_only_when_merged",
            ),
            models.CheckConstraint(
                condition=models.Q(holder_kind="", holder_id__isnull=True)
                | (~models.Q(holder_kind="") & models.Q(holder_id__isnull=False)),
                name="case_holder_kind_and_id_together",
            ),
        ]
        indexes = [
            models.Index(fields=["street", "reported_at"], name="case_street_reported_idx"),
            models.Index(fields=["community", "reported_at"], name="case_community_reported_idx"),
            models.Index(fields=["grid", "status"], name="case_grid_status_idx"),
            models.Index(fields=["status", "due_at"], name="case_status_due_idx"),
            models.Index(fields=["kind", "reported_at"], name="case_kind_reported_idx"),
            models.Index(fields=["category", "reported_at"], name="case_category_reported_idx"),
            models.Index(fields=["level"], name="case_level_idx"),
            # The reports' index: a period of cases by report time, carrying every column the
            # resolution report filters, groups or counts by, so that PostgreSQL answers it
            # from the index alone (an index-only scan), however wide the cases' text is.
            # SQLite has no INCLUDE: there it is a plain index on the report time.
            models.Index(fields=["reported_at"], include=REPORT_COLUMNS, name="case_report_idx"),
            # The report's live figure beside its summary tables (`reports.rollup`): the open cases
            # not yet due, a few days' worth, read from the index alone, with every column the
            # tables group or filter by.
            models.Index(
                fields=["due_at"],
                include=["reported_at", "street", "community", "grid", "category", "kind", "status"],
                condition=models.Q(status__in=OPEN_STATUSES),
                name="case_open_due_idx",
            ),
            # The admin list's filters, within a street and newest first. Triage and source
            # have few values but rare ones (private matters, video, transfers) that would
            # otherwise scan a street's whole history; the two flags are true for few cases,
            # so partial indexes stay small and cost nothing on the rows they leave out.
            models.Index(fields=["street", "triage", "reported_at"], name="case_street_triage_rep_idx"),
            models.Index(fields=["street", "source", "reported_at"], name="case_street_source_rep_idx"),
            models.Index(
                fields=["street", "reported_at"],
                condition=models.Q(is_overdue=True),
                name="case_overdue_street_rep_idx",
            ),
            models.Index(
                fields=["street", "reported_at"],
                condition=models.Q(on_the_spot=True),
                name="case_spot_street_rep_idx",
            ),
            # Possible duplicates of a new case (`cases.selectors.cases_nearby`): the cases of one
            # category reported in the last days, narrowed to a small box of latitude and
            # longitude inside the index, before any row is read. Cases without a point (most
            # of those logged before boundaries) are left out of it.
            models.Index(
                fields=["category", "reported_at", "latitude", "longitude"],
                condition=models.Q(latitude__isnull=False),
                name="case_nearby_idx",
            ),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    # Rows of a list come by the hundred a page (`core.models.load_row`).
    from_db = classmethod(load_row)


class CaseEvent(AppendOnlyModel):
    """One recorded step of a case: who did what, when, from which status to which.

    Append-only (`core.history`): nothing changes or deletes a row once written.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events", verbose_name=_("case"))
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
    from_status = models.CharField(_("from status"), max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to status"), max_length=12, choices=Status.choices)
    note = models.TextField(_("note"), blank=True)
    changes = models.JSONField(_("changed fields"), default=dict, blank=True)

    class Meta:
        verbose_name = _("case history entry")
        verbose_name_plural = _("case history")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["case", "at"], name="case_event_case_at_idx")]

    def __str__(self):
        return f"{self.case_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


class Supervision(models.Model):
    """A supervision entry (督办) for an overdue case: at most one per case per day."""

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="supervisions", verbose_name=_("case")
    )
    day = models.DateField(_("day"))
    # The sweep's own time (a seeded row's: the time it stands for), not the insert's.
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    overdue_hours = models.PositiveIntegerField(_("hours overdue"), default=0)

    class Meta:
        verbose_name = _("supervision")
        verbose_name_plural = _("supervisions")
        ordering = ["-day", "case"]
        constraints = [
            models.UniqueConstraint(fields=["case", "day"], name="supervision_once_per_case_per_day")
        ]
        indexes = [models.Index(fields=["day"], name="supervision_day_idx")]

    def __str__(self):
        return f"{self.case_id} {self.day}"


def attachment_path(instance, filename):
    # The stored name never contains the uploader's file name, which may hold personal data.
    return f"cases/{instance.case_id}/{instance.token}.{instance.extension}"


class CaseAttachment(models.Model):
    """A photo or a PDF attached to a case, stored through Django's storage API.

    The uploader's file name is not stored: it often names a resident or holds a number.
    """

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="attachments", verbose_name=_("case")
    )
    file = models.FileField(_("file"), upload_to=attachment_path)
    token = models.CharField(_("stored name"), max_length=32, unique=True, editable=False)
    extension = models.CharField(_("file extension"), max_length=5, editable=False)
    content_type = models.CharField(_("content type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return f"{self.token}.{self.extension}"

    @property
    def download_name(self) -> str:
        """The name the file is downloaded under: the case's number, never the uploader's name."""
        return f"{self.case.number}-{self.pk}.{self.extension}"


class DispatchUnit(models.Model):
    """A department or organisation (单位) a street's centre dispatches cases to.

    The street keeps its own list in the admin, so that the dispatch form offers names to
    pick rather than a text box; a case records the unit's name (`Case.assignee_unit`).
    """

    street = models.ForeignKey(
        "grids.Street", on_delete=models.CASCADE, related_name="dispatch_units", verbose_name=_("street")
    )
    name = models.CharField(_("name"), max_length=80)
    is_active = models.BooleanField(_("in use"), default=True)

    objects = DispatchUnitQuerySet.as_manager()

    class Meta:
        verbose_name = pgettext_lazy("organisation", "dispatch unit")
        verbose_name_plural = pgettext_lazy("organisation", "dispatch units")
        ordering = ["street", "name"]
        constraints = [
            models.UniqueConstraint(fields=["street", "name"], name="dispatch_unit_unique_name_in_street")
        ]

    def __str__(self):
        return self.name


class CaseNumberCounter(models.Model):
    """The last number given to a case of one street in one year."""

    street = models.ForeignKey(
        "grids.Street", on_delete=models.CASCADE, related_name="+", verbose_name=_("street")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("case number counter")
        verbose_name_plural = _("case number counters")
        constraints = [models.UniqueConstraint(fields=["street", "year"], name="case_counter_street_year")]

    def __str__(self):
        return f"{self.street_id}-{self.year}: {self.last}"
