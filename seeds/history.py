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

from cases.models import (
    Case,
    CaseEvent,
    Category,
    DispatchUnit,
    Level,
    Priority,
    Source,
    Status,
    Supervision,
    Triage,
)
from cases.numbering import case_number, number_year, reserve_case_numbers
from cases.overdue import hourly_sweep_record, mark_overdue_step
from cases.services import on_the_spot_steps
from cases.workflow import CASE_HISTORY, escalation_changes, next_status
from core.history import Step
from seeds import synthetic as syn
from seeds.people import Staff
from seeds.territory import StreetPlan

PRIORITIES = {Priority.NORMAL: 80, Priority.HIGH: 12, Priority.LOW: 5, Priority.URGENT: 3}
SATISFACTION = {"satisfied": 72, "basically_satisfied": 21, "dissatisfied": 7}
UNITS = {
    Level.STREET: ["街道平安办", "街道城市管理办公室", "街道社会事务办", "街道应急办"],
    Level.DISTRICT: ["区城市管理局", "区住房城乡建委", "区公安分局", "区应急管理局", "区市场监管局"],
}
RESULTS = [
    "已现场处置完毕",
    "已协调相关单位整改到位",
    "已清理完毕，现场恢复正常",
    "已上门核实并办结",
    "已维修完成",
]


@dataclass
class Walk:
    """One case and the steps that brought it to its status, recorded by the case workflow's own
    history builder (`cases.workflow.CASE_HISTORY`) at the seed's times instead of the clock."""

    case: Case
    steps: list[Step] = field(default_factory=list)
    # (day, hours overdue, when the sweep wrote it)
    supervisions: list[tuple[date, int, datetime]] = field(default_factory=list)

    def step(self, action: str, at: datetime, to_status: str, actor, note: str = "", **changes) -> None:
        """Apply `changes` to the case and record the step, as `cases.services` records it."""
        step = CASE_HISTORY.step(
            self.case,
            action=action,
            actor=actor,
            at=at,
            changes=changes,
            to_status=to_status,
            note=note,
            first=not self.steps,
        )
        self.steps.append(step)

    def sweep(self, as_of: datetime) -> None:
        """Record what the hourly `sweep_overdue` wrote about this case up to `as_of`."""
        case = self.case
        record = hourly_sweep_record(case.due_at, case.closed_at, as_of, syn.LOCAL)
        if record.marked_at is None:
            return
        marked = record.marked_at
        assert not any(s.action == "extend" and s.at > marked for s in self.steps), case.title
        index = next((n for n, s in enumerate(self.steps) if s.at > marked), len(self.steps))
        self.steps.insert(index, mark_overdue_step(self.steps[index - 1].to_status, marked))
        case.is_overdue = True
        case.version += 1
        self.supervisions = record.supervisions

    def events(self) -> list[CaseEvent]:
        return [CASE_HISTORY.row(self.case, s) for s in self.steps]


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
            created_at=reported_at,  # logged online, when it was seen
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
        for action, changes, note in on_the_spot_steps(worker, at=at, result=self.rng.choice(RESULTS)):
            walk.step(action, at, next_status(walk.case, action), worker.user, note, **changes)

    def _dispatch_and_handle(self, walk: Walk, closed_at: datetime, *, stop_at: str | None = None) -> None:
        rng, case, admin = self.rng, walk.case, self.staff.admin
        t0, span = case.reported_at, closed_at - case.reported_at
        walk.step("accept", t0 + span * 0.05, Status.ACCEPTED, admin, accepted_at=t0 + span * 0.05)
        if stop_at == Status.ACCEPTED:
            return
        if case.level != Level.DISTRICT and rng.random() < self.profile.escalation_share:
            reason = "超出本级处置能力，提级处置"
            walk.step(
                "escalate", t0 + span * 0.08, Status.ACCEPTED, admin, reason, **escalation_changes(case)
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


def number_and_save(plan: StreetPlan, walks: list[Walk], place=None) -> list[Walk]:
    """Number the street's cases in report order, per year, save them and their history.

    `place(cases)`, when given, sets each case's point (in report order, so the same each run).

    Each year's numbers are taken from the street's counter in one reservation
    (`cases.numbering`), as many as the year has cases, so that later reports go on from there.
    """
    # The units the street's centre dispatches to, which its dispatch form offers (synthetic).
    DispatchUnit.objects.bulk_create(
        DispatchUnit(street=plan.street, name=name) for names in UNITS.values() for name in names
    )
    walks.sort(key=lambda w: (w.case.reported_at, w.case.title))
    by_year: dict[int, list[Walk]] = defaultdict(list)
    for walk in walks:
        by_year[number_year(walk.case.reported_at)].append(walk)
    for year, year_walks in by_year.items():
        first = reserve_case_numbers(plan.street, year, len(year_walks)) - len(year_walks) + 1
        for serial, walk in enumerate(year_walks, start=first):
            walk.case.number = case_number(plan.street.abbreviation, year, serial)
    if place is not None:
        place([w.case for w in walks])
    Case.objects.bulk_create([w.case for w in walks], batch_size=1000)
    CaseEvent.objects.bulk_create([e for w in walks for e in w.events()], batch_size=2000)
    Supervision.objects.bulk_create(
        [
            # Written when the sweep would have written it, not when the seed runs.
            Supervision(case=w.case, day=day, overdue_hours=hours, created_at=at)
            for w in walks
            for day, hours, at in w.supervisions
        ],
        batch_size=2000,
    )
    return walks


def spread(rng: Random, count: int, start: datetime, end: datetime) -> list[datetime]:
    return sorted(syn.moment_between(rng, start, end) for _ in range(count))
