"""People's mediation (人民调解): rooms, mediators and the mediation of dispute cases.

The People's Mediation Law (人民调解法) frames what is recorded here: mediation is voluntary;
an agreement is written (调解协议书) or oral and recorded by the mediator; the parties may
jointly apply for judicial confirmation (司法确认) within 30 days of the agreement taking
effect (art. 33); the committee follows up on performance (回访). A mediation case's status,
its agreement, confirmation and follow-ups change only through `mediation.services`, each
step leaving a `MediationEvent`.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.history import AppendOnlyModel
from grids.encryption import BlindIndexField, SealedCharField, SealedModel
from grids.privacy import validate_id_number, validate_phone
from mediation.querysets import MediationCaseQuerySet, MediatorQuerySet, RoomQuerySet


class DisputeType(models.TextChoices):
    NEIGHBOURHOOD = "neighbourhood", _("neighbourhood dispute")
    MARRIAGE_FAMILY = "marriage_family", _("marriage and family dispute")
    PROPERTY_MANAGEMENT = "property_management", _("property management dispute")
    LABOUR = "labour", _("labour and wages dispute")
    LAND_HOUSING = "land_housing", _("land and housing dispute")
    COMPENSATION = "compensation", _("compensation dispute")
    CONSUMER = "consumer", _("consumer dispute")
    OTHER = "other", _("other dispute")


class MediationLevel(models.TextChoices):
    """The three levels of the street's mediation system (三级调解体系), from the lowest up."""

    GRID = "grid", _("grid")
    COMMUNITY = "community", _("community")
    STREET = "street", _("street")


MEDIATION_LEVEL_ORDER = [MediationLevel.GRID, MediationLevel.COMMUNITY, MediationLevel.STREET]


class MediationStatus(models.TextChoices):
    REGISTERED = "registered", _("registered")
    MEDIATING = "mediating", _("mediating")
    AGREED = "agreed", _("agreement reached")
    FAILED = "failed", _("mediation failed")
    WITHDRAWN = "withdrawn", _("withdrawn")


class Referral(models.TextChoices):
    COURT = "court", _("people's court")
    ARBITRATION = "arbitration", _("arbitration")
    PETITION = "petition_office", _("petition office")
    DEPARTMENT = "department", _("another department")


class MediationRoom(models.Model):
    """A mediation room (调解室); the gold-medal rooms (金牌调解室) carry a flag."""

    class Level(models.TextChoices):
        COMMUNITY = "community", _("community")
        STREET = "street", _("street")

    name = models.CharField(_("name"), max_length=60)
    street = models.ForeignKey(
        "grids.Street", on_delete=models.PROTECT, related_name="mediation_rooms", verbose_name=_("street")
    )
    community = models.ForeignKey(
        "grids.Community",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mediation_rooms",
        verbose_name=_("community or village"),
    )
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    is_gold = models.BooleanField(_("gold-medal room"), default=False)

    objects = RoomQuerySet.as_manager()

    class Meta:
        verbose_name = _("mediation room")
        verbose_name_plural = _("mediation rooms")
        ordering = ["street", "level", "name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["street", "name"], name="room_name_unique_in_street"),
            models.CheckConstraint(
                condition=models.Q(level="street", community__isnull=True)
                | models.Q(level="community", community__isnull=False),
                name="room_community_matches_level",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.level == self.Level.COMMUNITY and not self.community_id:
            raise ValidationError({"community": _("A community room needs its community.")})
        if self.level == self.Level.STREET and self.community_id:
            raise ValidationError({"community": _("A street room belongs to no community.")})
        if self.community_id and self.street_id and self.community.street_id != self.street_id:
            raise ValidationError({"community": _("The community must belong to the room's street.")})


def _validate_specialties(value) -> None:
    if not isinstance(value, list) or any(item not in DisputeType.values for item in value):
        raise ValidationError(
            _("Choose dispute types from: %(types)s."), params={"types": ", ".join(DisputeType.values)}
        )


class Mediator(models.Model):
    """A people's mediator. Volunteers such as village peacemakers (和事佬) need no account."""

    class Kind(models.TextChoices):
        GOLD = "gold", _("gold-medal mediator")
        ORDINARY = "ordinary", _("mediator")
        VOLUNTEER = "volunteer", _("peacemaker volunteer")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mediator",
        verbose_name=_("user account"),
    )
    street = models.ForeignKey(
        "grids.Street", on_delete=models.PROTECT, related_name="mediators", verbose_name=_("street")
    )
    community = models.ForeignKey(
        "grids.Community",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mediators",
        verbose_name=_("community or village"),
    )
    name = models.CharField(_("name"), max_length=30)
    phone = models.CharField(_("work phone"), max_length=20, blank=True, validators=[validate_phone])
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    certified_on = models.DateField(_("certified on"), null=True, blank=True)
    specialties = models.JSONField(
        _("specialties"), default=list, blank=True, validators=[_validate_specialties]
    )
    home_room = models.ForeignKey(
        MediationRoom,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="mediators",
        verbose_name=_("home room"),
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = MediatorQuerySet.as_manager()

    class Meta:
        verbose_name = _("mediator")
        verbose_name_plural = _("mediators")
        ordering = ["street", "kind", "name", "pk"]
        indexes = [models.Index(fields=["street", "kind"], name="mediator_street_kind_idx")]

    def __str__(self):
        return self.name

    def clean(self):
        if self.community_id and self.street_id and self.community.street_id != self.street_id:
            raise ValidationError({"community": _("The community must belong to the mediator's street.")})
        if self.home_room_id and self.street_id and self.home_room.street_id != self.street_id:
            raise ValidationError({"home_room": _("The room must belong to the mediator's street.")})
        if self.kind == self.Kind.GOLD and not self.certified_on:
            raise ValidationError({"certified_on": _("A gold-medal mediator has a certification date.")})


class MediationCase(models.Model):
    """The mediation of a dispute case (cases app, kind `dispute`); one at a time per case."""

    # One mediation at a time per dispute (constraint below); after a withdrawal the dispute
    # may be mediated again, so the history of a case can hold several.
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="mediations", verbose_name=_("dispute case")
    )
    # Copies of the case's territory, kept for scope filters and reports.
    street = models.ForeignKey(
        "grids.Street", on_delete=models.PROTECT, related_name="mediations", verbose_name=_("street")
    )
    community = models.ForeignKey(
        "grids.Community",
        on_delete=models.PROTECT,
        related_name="mediations",
        verbose_name=_("community or village"),
    )
    level = models.CharField(_("mediation level"), max_length=10, choices=MediationLevel.choices)
    dispute_type = models.CharField(_("dispute type"), max_length=20, choices=DisputeType.choices)
    amount = models.DecimalField(
        _("amount involved (yuan)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    summary = models.TextField(_("summary"), blank=True)
    lead_mediator = models.ForeignKey(
        Mediator, on_delete=models.PROTECT, related_name="led_mediations", verbose_name=_("lead mediator")
    )
    assisting_mediators = models.ManyToManyField(
        Mediator, blank=True, related_name="assisted_mediations", verbose_name=_("assisting mediators")
    )
    room = models.ForeignKey(
        MediationRoom,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mediations",
        verbose_name=_("room"),
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=MediationStatus.choices,
        default=MediationStatus.REGISTERED,
        editable=False,
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("registered by"),
        editable=False,
    )
    registered_at = models.DateTimeField(_("registered at"), editable=False)
    started_at = models.DateTimeField(_("mediation started at"), null=True, blank=True, editable=False)
    concluded_at = models.DateTimeField(_("concluded at"), null=True, blank=True, editable=False)
    outcome_note = models.TextField(_("outcome note"), blank=True, editable=False)
    escalation_count = models.PositiveIntegerField(_("escalations"), default=0, editable=False)
    referral = models.CharField(
        _("referred to"), max_length=20, choices=Referral.choices, blank=True, editable=False
    )
    referral_note = models.CharField(_("referral note"), max_length=200, blank=True, editable=False)
    referred_at = models.DateTimeField(_("referred at"), null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    objects = MediationCaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("mediation case")
        verbose_name_plural = _("mediation cases")
        ordering = ["-registered_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(referral="") | models.Q(status="failed"),
                name="mediation_referral_only_when_failed",
            ),
            models.CheckConstraint(condition=models.Q(version__gte=1), name="mediation_version_positive"),
            models.UniqueConstraint(
                fields=["case"],
                condition=~models.Q(status="withdrawn"),
                name="mediation_one_per_case_unless_withdrawn",
            ),
        ]
        indexes = [
            models.Index(fields=["street", "registered_at"], name="mediation_street_reg_idx"),
            models.Index(fields=["status"], name="mediation_status_idx"),
        ]

    def __str__(self):
        return f"{self.case.number} · {self.get_dispute_type_display()}"


class MediationEvent(AppendOnlyModel):
    """One recorded step of a mediation case. Append-only (`core.history`)."""

    mediation = models.ForeignKey(
        MediationCase, on_delete=models.PROTECT, related_name="events", verbose_name=_("mediation case")
    )
    action = models.CharField(_("action"), max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    at = models.DateTimeField(_("time"))
    from_status = models.CharField(
        _("from status"), max_length=12, choices=MediationStatus.choices, blank=True
    )
    to_status = models.CharField(_("to status"), max_length=12, choices=MediationStatus.choices)
    note = models.TextField(_("note"), blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)

    class Meta:
        verbose_name = _("mediation step")
        verbose_name_plural = _("mediation steps")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.action} · {self.at:%Y-%m-%d %H:%M}"


class Party(SealedModel):
    """A party to the dispute. Name, phone and ID number are residents' personal data."""

    class Role(models.TextChoices):
        APPLICANT = "applicant", _("applicant")
        RESPONDENT = "respondent", _("respondent")

    mediation = models.ForeignKey(
        MediationCase, on_delete=models.CASCADE, related_name="parties", verbose_name=_("mediation case")
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    name = models.CharField(_("name"), max_length=30)
    phone = SealedCharField(_("phone"), value_length=20, blank=True, validators=[validate_phone])
    id_number = SealedCharField(_("ID number"), value_length=18, blank=True, validators=[validate_id_number])
    # Finds the party's resident record, and their mediations from it, without decrypting.
    id_number_index = BlindIndexField(_("ID number index"), source="id_number", kind="document")

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["mediation", "role", "pk"]

    def __str__(self):
        from grids.privacy import mask_name

        return f"{self.get_role_display()} {mask_name(self.name)}"

    def clean(self):
        # One spelling per person: the check character X in upper case (GB 11643), no stray
        # spaces, so that masks, reveals and searches agree whatever was typed.
        self.name = (self.name or "").strip()
        self.phone = (self.phone or "").strip()
        self.id_number = (self.id_number or "").strip().upper()


class Session(models.Model):
    """A mediation session (调解会): when, where, who came, what was said."""

    mediation = models.ForeignKey(
        MediationCase, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("mediation case")
    )
    held_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=100)
    attendees = models.CharField(_("attendees"), max_length=300)
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )

    class Meta:
        verbose_name = _("mediation session")
        verbose_name_plural = _("mediation sessions")
        ordering = ["mediation", "held_on", "pk"]

    def __str__(self):
        return f"{self.held_on} · {self.place}"


class Agreement(models.Model):
    class Form(models.TextChoices):
        WRITTEN = "written", _("written agreement")
        ORAL = "oral", _("oral agreement, recorded by the mediator")

    mediation = models.OneToOneField(
        MediationCase, on_delete=models.CASCADE, related_name="agreement", verbose_name=_("mediation case")
    )
    form = models.CharField(_("form"), max_length=10, choices=Form.choices)
    content = models.TextField(_("content"))
    performance_deadline = models.DateField(_("performance deadline"), null=True, blank=True)
    signed_on = models.DateField(_("signed on"))

    class Meta:
        verbose_name = _("mediation agreement")
        verbose_name_plural = _("mediation agreements")

    def __str__(self):
        return f"{self.get_form_display()} · {self.signed_on}"


class JudicialConfirmation(models.Model):
    """司法确认 of a written agreement, applied for within 30 days of its signing."""

    class Result(models.TextChoices):
        CONFIRMED = "confirmed", _("confirmed")
        REFUSED = "refused", _("refused")

    agreement = models.OneToOneField(
        Agreement, on_delete=models.CASCADE, related_name="confirmation", verbose_name=_("agreement")
    )
    applied_on = models.DateField(_("applied on"))
    result = models.CharField(_("result"), max_length=10, choices=Result.choices)
    court = models.CharField(_("court"), max_length=60)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)

    class Meta:
        verbose_name = _("judicial confirmation")
        verbose_name_plural = _("judicial confirmations")

    def __str__(self):
        return f"{self.court} · {self.get_result_display()}"

    def summary(self) -> str:
        """The court, its decision and the dates, in the active language."""
        return gettext("%(court)s: %(result)s (applied on %(applied_on)s, decided on %(decided_on)s)") % {
            "court": self.court,
            "result": self.get_result_display(),
            "applied_on": self.applied_on,
            "decided_on": self.decided_on or "—",
        }


class FollowUp(models.Model):
    """回访: whether the parties perform what they agreed."""

    class Performance(models.TextChoices):
        FULFILLED = "fulfilled", _("fulfilled")
        PARTLY = "partly", _("partly fulfilled")
        NOT = "not", _("not fulfilled")

    mediation = models.ForeignKey(
        MediationCase, on_delete=models.CASCADE, related_name="follow_ups", verbose_name=_("mediation case")
    )
    visited_on = models.DateField(_("date"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    performance = models.CharField(_("performance"), max_length=10, choices=Performance.choices)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("follow-up visit")
        verbose_name_plural = _("follow-up visits")
        ordering = ["mediation", "visited_on", "pk"]

    def __str__(self):
        return f"{self.visited_on} · {self.get_performance_display()}"

    def summary(self) -> str:
        """The visit's day and what it found, in the active language: its history note."""
        return gettext("Follow-up visit on %(day)s: %(performance)s.") % {
            "day": self.visited_on,
            "performance": self.get_performance_display(),
        }
