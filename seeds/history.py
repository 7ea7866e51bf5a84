"""Synthetic case history: each case walks the workflow, and its history rows say so.

A `Walk` records the steps of one case as the services would have taken them (same actions,
same statuses, same stage times, one version per step), so that a seeded case cannot be told
from one that went through the API. Distributions (categories, sources, durations, late
closures, reworks, escalations, satisfaction) are synthetic; only the totals are figures.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from random import Random
from typing import NamedTuple

from django.utils.translation import gettext as _

from cases.models import (
    LEVEL_ORDER,
    Case,
    CaseEvent,
    CaseNumberCounter,
    Category,
    Level,
    Priority,
    Source,
    Status,
    Supervision,
    Triage,
)
from cases.services import _as_json as change_value  # the history's own serialisation
from seeds import synthetic as syn
from seeds.people import Staff
from seeds.territory import StreetPlan

PRIORITIES = {Priority.NORMAL: 80, Priority.HIGH: 12, Priority.LOW: 5, Priority.URGENT: 3}
SATISFACTION = {"satisfied": 72, "basically_satisfied": 21, "dissatisfied": 7}
UNITS = {
    Level.STREET: ["街道平安办", "街道城市管理办公室", "街道社会事务办", "街道应急办"],
    Level.DISTRICT: ["区城市管理局", "区住房城乡建委", "区公安分局", "区应急管理局", "区市场监管局"],
}
HOUR = timedelta(hours=1)
RESULTS = [
    "已现场处置完毕",
    "已协调相关单位整改到位",
    "已清理完毕，现场恢复正常",
    "已上门核实并办结",
    "已维修完成",
]


class Step(NamedTuple):
    action: str
    at: datetime
    from_status: str
    to_status: str
    actor: object
    note: str
    changes: dict


@dataclass
class Walk:
    """One case and the steps that brought it to its status, as `cases.services` records them."""

    case: Case
    steps: list[Step] = field(default_factory=list)
    supervisions: list[tuple[date, int]] = field(default_factory=list)  # (day, hours overdue)

    def step(self, action: str, at: datetime, to_status: str, actor, note: str = "", **changes) -> None:
        """Apply `changes` to the case and record the step with the fields it really changed.

        The same bookkeeping as `cases.services.record_step`: only fields whose value changes
        are listed, old and new, serialised as the service serialises them.
        """
        diff = {}
        for name, value in changes.items():
            old = getattr(self.case, name)
            if old != value:
                diff[name] = [change_value(name, old), change_value(name, value)]
                setattr(self.case, name, value)
        self.steps.append(Step(action, at, self.case.status, to_status, actor, note, diff))
        self.case.status = to_status

    def sweep(self, as_of: datetime) -> None:
        """What the hourly `sweep_overdue` wrote about this case up to `as_of`.

        A sweep on the hour finds the case overdue once its due time has passed while it is
        open (not closed): the first such sweep marks it, with a history row, and the first
        sweep of each day writes that day's supervision entry (督办) with the hours overdue.
        """
        case = self.case
        end = case.closed_at or as_of
        marked = case.due_at.replace(minute=0, second=0, microsecond=0) + HOUR  # first sweep after due
        last = end.replace(minute=0, second=0, microsecond=0)  # last sweep while open
        if case.closed_at is not None and last == case.closed_at:
            last -= HOUR
        if marked > last:
            return
        assert not any(s.action == "extend" and s.at > marked for s in self.steps), case.title
        index = next((n for n, s in enumerate(self.steps) if s.at > marked), len(self.steps))
        status = self.steps[index - 1].to_status
        note = _("Past its due time and not closed.")
        self.steps.insert(
            index, Step("mark_overdue", marked, status, status, None, note, {"is_overdue": [False, True]})
        )
        case.is_overdue = True
        day, last_day = marked.astimezone(syn.LOCAL).date(), last.astimezone(syn.LOCAL).date()
        while day <= last_day:
            first = max(marked, syn.local(day.year, day.month, day.day))
            self.supervisions.append((day, int((first - case.due_at).total_seconds() // 3600)))
            day += timedelta(days=1)

    def events(self) -> list[CaseEvent]:
        return [
            CaseEvent(
                case=self.case,
                action=s.action,
                at=s.at,
                from_status=s.from_status,
                to_status=s.to_status,
                actor=s.actor,
                note=s.note,
                changes=s.changes,
            )
            for s in self.steps
        ]


@dataclass
class Profile:
    """How a street's cases behave: the synthetic distributions of one street."""

    late_share: float
    rework_share: float
    escalation_share: float
    feedback_share: float
    on_the_spot_share: float
    sources: dict[str, int]


class CaseFactory:
    """Builds one street's cases as they stand at `as_of`, the moment the street's data shows:
    nothing in their history happens later."""

    def __init__(self, rng: Random, plan: StreetPlan, staff: Staff, profile: Profile, as_of: datetime):
        self.rng, self.plan, self.staff, self.profile = rng, plan, staff, profile
        self.as_of = as_of
        self.communities = {c.pk: c for c in plan.communities}

    # --- a new case, as a grid worker reports it --------------------------------------------
    def report(self, category: Category, grid, reported_at: datetime, *, kind: str | None = None) -> Walk:
        rng = self.rng
        worker = self.staff.workers_by_grid[grid.pk][0]
        community = self.communities[grid.community_id]
        source = syn.weighted(rng, self.profile.sources)
        resident = source in (Source.RESIDENT, Source.HOTLINE)
        case = Case(
            kind=kind or category.major.default_kind,
            category=category,
            street=self.plan.street,
            community=community,
            grid=grid,
            source=source,
            priority=syn.weighted(rng, PRIORITIES),
            triage=category.default_triage,
            level=category.default_level,
            title=f"{grid.name}{category.name}",
            description=f"{community.name}{rng.randrange(1, 40)}号附近发现{category.name}问题，需处理。",
            address=f"{community.name}{rng.randrange(1, 40)}号",
            contact_name=syn.person_name(rng) if resident else "",
            contact_phone=syn.mobile(rng) if resident else "",
            reporter=worker.user,
            status="",
            reported_at=reported_at,
            due_at=reported_at + timedelta(hours=category.time_limit_hours),
        )
        walk = Walk(case)
        walk.step("report", reported_at, Status.REPORTED, worker.user)
        return walk

    # --- taking it to the end ------------------------------------------------------------------
    def close(self, walk: Walk) -> Walk:
        """Accept, dispatch, handle, verify and close, on time or late, with the odd rework."""
        rng, case, profile = self.rng, walk.case, self.profile
        t0 = case.reported_at
        limit = case.due_at - t0
        if rng.random() < profile.late_share:
            closed_at = case.due_at + timedelta(minutes=rng.randrange(60, 72 * 60))
        else:
            closed_at = t0 + limit * rng.uniform(0.15, 0.97)
        if closed_at >= self.as_of:  # a case reported shortly before closes sooner
            closed_at = t0 + (self.as_of - t0) * rng.uniform(0.5, 0.95)
        on_the_spot = (
            case.triage == Triage.SMALL
            and case.level == Level.GRID
            and rng.random() < profile.on_the_spot_share
        )
        if on_the_spot:
            self._on_the_spot(walk)
        else:
            self._dispatch_and_handle(walk, closed_at)
        walk.step(
            "verify", closed_at, Status.CLOSED, self.staff.admin, "核查通过，予以结案", closed_at=closed_at
        )
        self.feedback(walk)
        walk.sweep(self.as_of)
        return walk

    def feedback(self, walk: Walk) -> None:
        """The resident's satisfaction, some hours after closure (if given by `as_of`)."""
        rng, case = self.rng, walk.case
        if rng.random() < self.profile.feedback_share:
            satisfaction = syn.weighted(rng, SATISFACTION)
            at = case.closed_at + timedelta(hours=rng.randrange(2, 48))
            if at <= self.as_of:
                walk.step(
                    "feedback", at, Status.CLOSED, case.reporter, satisfaction=satisfaction, feedback_note=""
                )

    def _on_the_spot(self, walk: Walk) -> None:
        """即报即办 as `case_create(on_the_spot=True)` records it: four steps by the worker, at once."""
        worker, at = self.staff.workers_by_grid[walk.case.grid_id][0], walk.case.reported_at
        result, note = self.rng.choice(RESULTS), _("Resolved on the spot")
        walk.step("accept", at, Status.ACCEPTED, worker.user, note, accepted_at=at, on_the_spot=True)
        walk.step("assign", at, Status.ASSIGNED, worker.user, note, assignee_worker=worker, assigned_at=at)
        walk.step("start", at, Status.IN_PROGRESS, worker.user, started_at=at)
        walk.step("resolve", at, Status.RESOLVED, worker.user, note, resolved_at=at, result=result)

    def _dispatch_and_handle(self, walk: Walk, closed_at: datetime, *, stop_at: str | None = None) -> None:
        rng, case, admin = self.rng, walk.case, self.staff.admin
        t0, span = case.reported_at, closed_at - case.reported_at
        walk.step("accept", t0 + span * 0.05, Status.ACCEPTED, admin, accepted_at=t0 + span * 0.05)
        if stop_at == Status.ACCEPTED:
            return
        if case.level != Level.DISTRICT and rng.random() < self.profile.escalation_share:
            walk.step(
                "escalate",
                t0 + span * 0.08,
                Status.ACCEPTED,
                admin,
                "超出本级处置能力，提级处置",
                level=LEVEL_ORDER[LEVEL_ORDER.index(case.level) + 1],
                assignee_worker=None,
                assignee_unit="",
                assigned_at=None,
                started_at=None,
                escalation_count=case.escalation_count + 1,
            )
        handler = self._assign(walk, t0 + span * 0.12)
        if stop_at == Status.ASSIGNED:
            return
        rework = stop_at is None and rng.random() < self.profile.rework_share
        if rework:
            self._handle(walk, handler, t0 + span * 0.2, t0 + span * 0.45)
            walk.step(
                "verify",
                t0 + span * 0.5,
                Status.ASSIGNED,
                admin,
                "整改不到位，退回重办",
                resolved_at=None,
                rework_count=case.rework_count + 1,
            )
            self._handle(walk, handler, t0 + span * 0.55, t0 + span * 0.85, stop_at=stop_at)
        else:
            self._handle(walk, handler, t0 + span * 0.2, t0 + span * 0.85, stop_at=stop_at)

    def _assign(self, walk: Walk, at: datetime):
        case, admin = walk.case, self.staff.admin
        if case.level in UNITS:
            unit = self.rng.choice(UNITS[case.level])
            walk.step("assign", at, Status.ASSIGNED, admin, unit, assignee_unit=unit, assigned_at=at)
            return admin  # the centre records a department's handling
        worker = self.staff.workers_by_grid[case.grid_id][0]
        walk.step("assign", at, Status.ASSIGNED, admin, assignee_worker=worker, assigned_at=at)
        return worker.user

    def _handle(self, walk: Walk, handler, started: datetime, resolved: datetime, *, stop_at=None) -> None:
        walk.step("start", started, Status.IN_PROGRESS, handler, started_at=started)
        if stop_at == Status.IN_PROGRESS:
            return
        result = self.rng.choice(RESULTS)
        walk.step("resolve", resolved, Status.RESOLVED, handler, result, resolved_at=resolved, result=result)

    def leave_open(self, walk: Walk, status: str) -> Walk:
        """A case still being worked on at `as_of`, stopped at `status` on its way to closure.

        Its steps fall within its time limit and before `as_of`: a recent case is still within
        its time; an older one went as far as `status` in time and has waited since (for a
        department, a notice period), overdue and supervised.
        """
        case = walk.case
        if status != Status.REPORTED:
            span = min(case.due_at, self.as_of) - case.reported_at
            target = case.reported_at + span * 0.9
            self._dispatch_and_handle(walk, target, stop_at=status if status != Status.RESOLVED else None)
        walk.sweep(self.as_of)
        return walk


# --- saving -----------------------------------------------------------------------------------


def number_and_save(plan: StreetPlan, walks: list[Walk]) -> list[Walk]:
    """Number the street's cases in report order, per year, save them and their history."""
    walks.sort(key=lambda w: (w.case.reported_at, w.case.title))
    counters: dict[int, int] = defaultdict(int)
    for walk in walks:
        case = walk.case
        year = case.reported_at.astimezone(syn.LOCAL).year
        counters[year] += 1
        case.number = f"{plan.street.abbreviation}-{year}-{counters[year]:06d}"
        case.version = len(walk.steps)
    Case.objects.bulk_create([w.case for w in walks], batch_size=1000)
    CaseEvent.objects.bulk_create([e for w in walks for e in w.events()], batch_size=2000)
    Supervision.objects.bulk_create(
        [
            Supervision(case=w.case, day=day, overdue_hours=hours)
            for w in walks
            for day, hours in w.supervisions
        ],
        batch_size=2000,
    )
    for year, last in counters.items():
        counter, _created = CaseNumberCounter.objects.get_or_create(street=plan.street, year=year)
        counter.last = max(counter.last, last)
        counter.save(update_fields=["last"])
    return walks


def spread(rng: Random, count: int, start: datetime, end: datetime) -> list[datetime]:
    return sorted(syn.moment_between(rng, start, end) for _ in range(count))
