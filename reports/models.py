"""Summary tables of the reports: their counts per local day and a few dimensions.

Each row holds, for the cases reported on one day within one combination of its dimensions,
every count the report adds up, the sum a mean needs (microseconds from report to close,
an integer, so that sums are exact) and a histogram of the hours to close, from which medians
are interpolated (`reports.rollup`). Whether an open case is overdue depends on the moment
the report is made: that is counted live. The mediation report has a table of its own, with
each mediation's last counted figures beside it (`reports.mediation_rollup`).
"""

from __future__ import annotations

from datetime import date

from django.db import models
from django.utils.translation import gettext_lazy as _


class Span(models.TextChoices):
    DAY = "day", _("day")
    MONTH = "month", _("month")
    ALL = "all", _("whole history")  # one row per group; its `day` is `ALL_DAY`


ALL_DAY = date(1, 1, 1)  # the `day` of a whole-history row: part of the key, never a date asked for


class ResolutionRollup(models.Model):
    # A row counts the cases of one day, of one whole month (`day` is then its first day), or of
    # the whole history: a period reads the months it covers whole and the days at its ends, a
    # twelfth as many rows; no period at all (the dashboard's first load) reads a row per group.
    span = models.CharField(_("span"), max_length=5, choices=Span.choices)
    day = models.DateField(_("day"))
    street = models.ForeignKey(
        "grids.Street", on_delete=models.CASCADE, related_name="+", verbose_name=_("street")
    )
    total = models.IntegerField(_("total cases"), default=0)
    accepted = models.IntegerField(_("cases accepted"), default=0)
    closed = models.IntegerField(_("cases closed"), default=0)
    closed_on_time = models.IntegerField(_("closed on time"), default=0)
    reworked = models.IntegerField(_("reworked cases"), default=0)
    merged = models.IntegerField(_("merged as duplicates"), default=0)
    closed_at_grid = models.IntegerField(_("closed at grid level"), default=0)
    escalated = models.IntegerField(_("escalated cases"), default=0)
    feedback_given = models.IntegerField(_("feedback given"), default=0)
    satisfied_feedback = models.IntegerField(_("satisfied feedback"), default=0)
    open_cases = models.IntegerField(_("open cases"), default=0)
    close_usec = models.BigIntegerField(_("microseconds to close, summed"), default=0)
    # {bin: cases closed}, the bins of `reports.rollup.EDGES`.
    close_hours = models.JSONField(_("hours to close, histogram"), default=dict)

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.day} {self.street_id}: {self.total}"


class StreetRollup(ResolutionRollup):
    """Per street: the district's and a street's own reports by street or by month."""

    class Meta:
        verbose_name = _("street report rollup")
        verbose_name_plural = _("street report rollups")
        constraints = [models.UniqueConstraint(fields=["span", "day", "street"], name="rollup_street_key")]


class CommunityRollup(ResolutionRollup):
    """Per community: reports by community, a community filter, community staff's reports."""

    community = models.ForeignKey(
        "grids.Community", on_delete=models.CASCADE, related_name="+", verbose_name=_("community or village")
    )

    class Meta:
        verbose_name = _("community report rollup")
        verbose_name_plural = _("community report rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["span", "day", "street", "community"], name="rollup_community_key"
            )
        ]


class CategoryRollup(ResolutionRollup):
    """Per street, category and kind: reports by category or kind, and those filters."""

    category = models.ForeignKey(
        "cases.Category", on_delete=models.CASCADE, related_name="+", verbose_name=_("category")
    )
    kind = models.CharField(_("kind"), max_length=20)

    class Meta:
        verbose_name = _("category report rollup")
        verbose_name_plural = _("category report rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["span", "day", "street", "category", "kind"], name="rollup_category_key"
            )
        ]


class GridRollup(ResolutionRollup):
    """Per grid: reports by grid (the dashboard's map) and a grid filter.

    A grid logs a few cases a day at most, so its day rows are nearly as many as its cases'
    days; its month rows, a twelfth of those a year, answer a period of whole months (and the
    whole history) in as many rows as grids × months.
    """

    community = models.ForeignKey(
        "grids.Community", on_delete=models.CASCADE, related_name="+", verbose_name=_("community or village")
    )
    grid = models.ForeignKey("grids.Grid", on_delete=models.CASCADE, related_name="+", verbose_name=_("grid"))

    class Meta:
        verbose_name = _("grid report rollup")
        verbose_name_plural = _("grid report rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["span", "day", "street", "community", "grid"], name="rollup_grid_key"
            )
        ]


class MediationCounts(models.Model):
    """The mediation report's eight counts (`reports.mediation_rollup.COUNTS`): summed in the
    table's rows, 0 or 1 in a mediation's tally."""

    registered = models.IntegerField(_("disputes registered"), default=0)
    concluded = models.IntegerField(_("mediations concluded"), default=0)
    agreed = models.IntegerField(_("agreements reached"), default=0)
    agreements = models.IntegerField(_("agreements recorded"), default=0)
    written_agreements = models.IntegerField(_("written agreements"), default=0)
    confirmed = models.IntegerField(_("judicially confirmed"), default=0)
    followed_up = models.IntegerField(_("agreements followed up"), default=0)
    fulfilled = models.IntegerField(_("fulfilled at the latest follow-up"), default=0)

    class Meta:
        abstract = True


class MediationRollup(MediationCounts):
    """The mediation report's counts per day, whole month or whole history, street and community.

    Its rows answer the reports by street, community or month, and the street and community
    filters, for everyone who sees a territory; by room, mediator, level or dispute type, a
    grid filter, and a grid worker's or a mediator's own report read the mediations.
    """

    span = models.CharField(_("span"), max_length=5, choices=Span.choices)
    day = models.DateField(_("day"))
    street = models.ForeignKey(
        "grids.Street", on_delete=models.CASCADE, related_name="+", verbose_name=_("street")
    )
    community = models.ForeignKey(
        "grids.Community", on_delete=models.CASCADE, related_name="+", verbose_name=_("community or village")
    )

    class Meta:
        verbose_name = _("mediation report rollup")
        verbose_name_plural = _("mediation report rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["span", "day", "street", "community"], name="rollup_mediation_key"
            )
        ]

    def __str__(self):
        return f"{self.day} {self.community_id}: {self.registered}"


class MediationTally(MediationCounts):
    """What one mediation adds to `MediationRollup` as last counted, and to which row.

    A mediation's figures hang on its agreement, confirmation and follow-ups, which a step
    writes before it is recorded, so the state before a step cannot be read back when the
    step is recorded: the difference a step makes is taken against this row instead.
    """

    mediation = models.OneToOneField(
        "mediation.MediationCase",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
        verbose_name=_("mediation case"),
    )
    day = models.DateField(_("day"))
    street = models.ForeignKey(
        "grids.Street", on_delete=models.CASCADE, related_name="+", verbose_name=_("street")
    )
    community = models.ForeignKey(
        "grids.Community", on_delete=models.CASCADE, related_name="+", verbose_name=_("community or village")
    )

    class Meta:
        verbose_name = _("mediation tally")
        verbose_name_plural = _("mediation tallies")

    def __str__(self):
        return str(self.mediation_id)
