"""Shengquan's 1,341 mediated disputes (report 000), each concluded.

Every dispute is a case (kind `dispute`) that the centre accepts and hands to a mediation
room; its mediation runs as `mediation.services` would run it (register, start, sessions,
then an agreement, a failure and referral, or a withdrawal; confirmations and follow-ups
after agreements), and the case follows it to closure. Outcome shares, levels, dates, parties
and texts are synthetic.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from random import Random

from django.utils.translation import gettext as _

from cases.models import Category, Status
from mediation.models import (
    Agreement,
    FollowUp,
    JudicialConfirmation,
    MediationCase,
    MediationEvent,
    MediationLevel,
    Party,
    Referral,
    Session,
)
from mediation.models import MediationStatus as M
from mediation.workflow import MEDIATION_HISTORY
from seeds import synthetic as syn
from seeds.figures import value
from seeds.history import CaseFactory, Profile, Step, Walk, spread
from seeds.people import Staff
from seeds.territory import StreetPlan
from seeds.workload import SQ_AS_OF

PERIOD = (syn.local(2020, 6, 1), syn.local(2022, 11, 15))
OUTCOMES = {M.AGREED: 88, M.FAILED: 8, M.WITHDRAWN: 4}
DISPUTE_TYPES = {
    "0101": "neighbourhood",
    "0102": "marriage_family",
    "0103": "property_management",
    "0104": "labour",
    "0105": "land_housing",
    "0106": "compensation",
    "0107": "consumer",
    "0108": "marriage_family",
}
REFERRALS = {Referral.COURT: 50, Referral.ARBITRATION: 20, Referral.PETITION: 10, Referral.DEPARTMENT: 20}
PERFORMANCE = {
    FollowUp.Performance.FULFILLED: 85,
    FollowUp.Performance.PARTLY: 10,
    FollowUp.Performance.NOT: 5,
}
# A dispute's time limit in the catalogue (48–168 h) is for the centre's first handling. Once it
# is registered for people's mediation, the centre extends it (the workflow's `extend`) to the
# term mediation has: the Ministry of Justice's 人民调解工作若干规定 (2002) says a mediation
# committee "调解纠纷，一般在一个月内调结" (generally concludes a dispute within one month).
MEDIATION_TERM = timedelta(days=30)
EXTENSION_NOTE = "纠纷已受理进入人民调解，依《人民调解工作若干规定》一般在一个月内调结，处置期限相应延长"
# Synthetic: the share of difficult disputes (land, labour, family estates) whose mediation
# takes more sessions, further apart, and may run past the month.
PROTRACTED_SHARE = 0.08
TERMS = ["一次性赔偿损失", "分期偿还欠款", "恢复原状并赔礼道歉", "按约定划分使用界线", "协商调整物业服务费"]


@dataclass
class MediationPlan:
    walk: Walk
    mediation: MediationCase
    actor: object = None  # who takes the mediation's steps: its mediator if they sign in, else the centre
    assisting: list = field(default_factory=list)
    events: list[Step] = field(default_factory=list)  # a mediation's steps, as a case's
    parties: list[Party] = field(default_factory=list)
    sessions: list[Session] = field(default_factory=list)
    agreement: Agreement | None = None
    confirmation: JudicialConfirmation | None = None
    follow_ups: list[FollowUp] = field(default_factory=list)

    def step(
        self, action: str, at: datetime, to_status: str, note: str = "", *, actor=None, **changes
    ) -> None:
        """Apply `changes` and record the step with the mediation workflow's own history builder."""
        step = MEDIATION_HISTORY.step(
            self.mediation,
            action=action,
            actor=actor or self.actor,
            at=at,
            changes=changes,
            to_status=to_status,
            note=note,
            first=not self.events,
        )
        self.events.append(step)


class DisputeFactory:
    def __init__(self, rng: Random, plan: StreetPlan, staff: Staff):
        self.rng, self.plan, self.staff = rng, plan, staff
        profile = Profile(0, 0, 0, 0.75, 0, {"patrol": 60, "resident": 40})
        self.cases = CaseFactory(rng, plan, staff, profile, SQ_AS_OF)
        self.as_of = SQ_AS_OF
        self.categories = list(
            Category.objects.select_related("major").filter(major__code="01").order_by("code")
        )
        self.gold = [m for m in staff.mediators if m.kind == "gold"]
        self.ordinary = [m for m in staff.mediators if m.kind != "gold"]

    def build(self, reported_at: datetime) -> MediationPlan:
        rng, admin = self.rng, self.staff.admin
        category = rng.choice(self.categories)
        walk = self.cases.report(category, rng.choice(self.plan.grids), reported_at, kind="dispute")
        accepted_at = reported_at + timedelta(hours=rng.randrange(1, 6))
        walk.step("accept", accepted_at, Status.ACCEPTED, admin, accepted_at=accepted_at)
        plan = self._register(walk, category)
        self._mediate(plan)
        self._close_case(plan)
        walk.sweep(self.as_of)
        assert max(s.at for s in walk.steps) <= self.as_of and plan.events[-1].at <= self.as_of
        return plan

    def _register(self, walk: Walk, category) -> MediationPlan:
        """受理, as `mediation_register` does it: the mediation, and the case dispatched to it."""
        rng, case, admin = self.rng, walk.case, self.staff.admin
        level = {"grid": MediationLevel.GRID, "community": MediationLevel.COMMUNITY}.get(
            case.level, MediationLevel.STREET
        )
        lead = rng.choice(self.gold if rng.random() < 0.6 else self.ordinary)
        room = (
            self.staff.street_room
            if level == MediationLevel.STREET
            else self.staff.rooms_by_community[case.community_id]
        )
        registered_at = case.accepted_at + timedelta(hours=1)
        mediation = MediationCase(
            case=case,
            street=case.street,
            community=case.community,
            level=level,
            dispute_type=DISPUTE_TYPES[category.code],
            amount=rng.choice([None, rng.randrange(500, 80000)]),
            summary=f"{category.name}：双方就{case.address}相关事项发生争议。",
            lead_mediator=lead,
            room=room,
            registered_by=admin,
            registered_at=registered_at,
            status="",
        )
        plan = MediationPlan(walk, mediation, actor=lead.user if lead.user_id else admin)
        plan.assisting = [m for m in rng.sample(self.ordinary, rng.randrange(0, 3)) if m.pk != lead.pk]
        plan.step("register", registered_at, M.REGISTERED, actor=admin)
        plan.parties = self._parties()
        unit = _("People's mediation: %(place)s") % {"place": room.name}
        walk.step(
            "assign", registered_at, Status.ASSIGNED, admin, assignee_unit=unit, assigned_at=registered_at
        )
        # The centre then gives the dispute mediation's term (case_extend).
        extended_at = registered_at + timedelta(minutes=rng.randrange(5, 60))
        walk.step(
            "extend",
            extended_at,
            Status.ASSIGNED,
            admin,
            EXTENSION_NOTE,
            due_at=registered_at + MEDIATION_TERM,
            is_overdue=False,
        )
        return plan

    def _parties(self) -> list[Party]:
        rng, district = self.rng, self.plan.street.district_code
        roles = [Party.Role.APPLICANT, Party.Role.RESPONDENT] + (
            [Party.Role.RESPONDENT] if rng.random() < 0.1 else []
        )
        return [
            Party(
                role=role,
                name=syn.person_name(rng),
                phone=syn.mobile(rng),
                id_number=syn.id_number(rng, district) if rng.random() < 0.9 else "",
            )
            for role in roles
        ]

    def _mediate(self, plan: MediationPlan) -> None:
        rng, m = self.rng, plan.mediation
        at = self._start(plan, m.registered_at + timedelta(hours=rng.randrange(4, 48)))
        if m.level != MediationLevel.STREET and rng.random() < 0.06:
            at = self._escalate(plan, at + timedelta(days=rng.randrange(1, 4)))
        # A difficult mediation takes up to 80 days: only those with the room before `as_of`.
        protracted = rng.random() < PROTRACTED_SHARE and m.registered_at + timedelta(days=80) < self.as_of
        sessions, gap = ((3, 7), (5, 13)) if protracted else ((1, 4), (1, 5))
        for _n in range(rng.randrange(*sessions)):
            at += timedelta(days=rng.randrange(*gap))
            plan.sessions.append(
                Session(
                    held_on=at.date(),
                    place=m.room.name,
                    attendees="双方当事人、调解员、网格员",
                    notes="听取双方陈述，释法说理，引导协商。",
                    recorded_by=plan.actor,
                )
            )
            plan.step("session", at, M.MEDIATING, f"{at.date()} {m.room.name}")
        self._conclude(plan, at + timedelta(hours=rng.randrange(2, 30)))

    def _start(self, plan: MediationPlan, at: datetime) -> datetime:
        """`mediation_start`: the case starts with it the first time; a restart after escalation
        finds the case in progress already."""
        walk = plan.walk
        if walk.case.status == Status.ASSIGNED:
            walk.step("start", at, Status.IN_PROGRESS, plan.actor, _("Mediation started."), started_at=at)
        plan.step("start", at, M.MEDIATING, started_at=at)
        return at

    def _escalate(self, plan: MediationPlan, at: datetime) -> datetime:
        """`mediation_escalate`: registered again one level up; the case gets a comment."""
        m = plan.mediation
        level = MediationLevel.STREET if m.level == MediationLevel.COMMUNITY else MediationLevel.COMMUNITY
        plan.step(
            "escalate",
            at,
            M.REGISTERED,
            "本级调解未果，提交上一级调解",
            level=level,
            room=self.staff.street_room if level == MediationLevel.STREET else m.room,
            started_at=None,
            concluded_at=None,
            outcome_note="",
            escalation_count=m.escalation_count + 1,
        )
        note = _("Mediation escalated to %(level)s level.") % {"level": MediationLevel(level).label}
        plan.walk.step("comment", at, plan.walk.case.status, plan.actor, note)
        return self._start(plan, at + timedelta(hours=4))

    def _conclude(self, plan: MediationPlan, at: datetime) -> None:
        rng, m, walk = self.rng, plan.mediation, plan.walk
        outcome = syn.weighted(rng, OUTCOMES)
        if outcome == M.AGREED:
            form = Agreement.Form.WRITTEN if rng.random() < 0.65 else Agreement.Form.ORAL
            content = f"经调解，双方自愿达成协议：{rng.choice(TERMS)}。"
            plan.agreement = Agreement(
                form=form,
                content=content,
                signed_on=at.date(),
                performance_deadline=at.date() + timedelta(days=rng.randrange(7, 60)),
            )
            plan.step("agree", at, M.AGREED, concluded_at=at, outcome_note=content)
            result = _("Mediation succeeded: %(form)s, signed on %(day)s.") % {
                "form": Agreement.Form(form).label,
                "day": plan.agreement.signed_on,
            }
            self._resolve_case(plan, at, result)
            self._after_agreement(plan, at)
        elif outcome == M.FAILED:
            reason = "双方分歧较大，未能达成协议"
            plan.step("fail", at, M.FAILED, reason, concluded_at=at, outcome_note=reason)
            walk.step(
                "comment",
                at,
                Status.IN_PROGRESS,
                plan.actor,
                _("Mediation failed: %(reason)s") % {"reason": reason},
            )
            referral, note = syn.weighted(rng, REFERRALS), "已告知当事人依法维权途径"
            referred_at = at + timedelta(hours=2)
            plan.step(
                "refer",
                referred_at,
                M.FAILED,
                note,
                referral=referral,
                referral_note=note,
                referred_at=referred_at,
            )
            result = _("Mediation failed; referred to %(to)s. %(note)s") % {
                "to": m.get_referral_display(),
                "note": note,
            }
            self._resolve_case(plan, referred_at, result.strip())
        else:
            reason = "申请人撤回调解申请"
            plan.step("withdraw", at, M.WITHDRAWN, reason, concluded_at=at, outcome_note=reason)
            self._resolve_case(plan, at, _("Mediation withdrawn: %(reason)s") % {"reason": reason})

    def _resolve_case(self, plan: MediationPlan, at: datetime, result: str) -> None:
        plan.walk.step("resolve", at, Status.RESOLVED, plan.actor, result, resolved_at=at, result=result)

    def _after_agreement(self, plan: MediationPlan, at: datetime) -> None:
        """Judicial confirmation and follow-up visits, each recorded on its day, in time order."""
        rng, signed_on = self.rng, plan.agreement.signed_on
        later = []  # (at, action, note, row)
        if plan.agreement.form == Agreement.Form.WRITTEN and rng.random() < 0.2:
            applied = signed_on + timedelta(days=rng.randrange(1, 28))  # within the 30 days of art. 33
            confirmation = JudicialConfirmation(
                applied_on=applied,
                result=JudicialConfirmation.Result.CONFIRMED
                if rng.random() < 0.95
                else JudicialConfirmation.Result.REFUSED,
                court="江津区人民法院",
                decided_on=applied + timedelta(days=rng.randrange(3, 12)),
            )
            # Recorded once the court has decided: the service takes no date in the future.
            later.append(
                (self._on_day(confirmation.decided_on), "confirm", confirmation.summary(), confirmation)
            )
        if rng.random() < 0.7:
            for n in range(rng.randrange(1, 3)):
                visited = signed_on + timedelta(days=7 + 30 * n + rng.randrange(20))
                follow = FollowUp(
                    visited_on=visited, by=plan.actor, performance=syn.weighted(rng, PERFORMANCE)
                )
                later.append((self._on_day(visited), "follow-up", follow.summary(), follow))
        for when, action, note, row in sorted(later, key=lambda item: item[0]):
            assert when > at
            if when > self.as_of:
                break  # not yet, at the moment the street's data shows
            if action == "confirm":
                plan.confirmation = row
            else:
                plan.follow_ups.append(row)
            plan.step(action, when, M.AGREED, note)

    def _on_day(self, day: date) -> datetime:
        return syn.local(day.year, day.month, day.day, self.rng.randrange(9, 18), self.rng.randrange(60))

    def _close_case(self, plan: MediationPlan) -> None:
        """The centre verifies and closes the resolved dispute case; the resident may answer."""
        walk = plan.walk
        closed_at = walk.case.resolved_at + timedelta(hours=self.rng.randrange(2, 30))
        walk.step(
            "verify", closed_at, Status.CLOSED, self.staff.admin, "核查通过，予以结案", closed_at=closed_at
        )
        self.cases.feedback(walk)


def shengquan_disputes(rng: Random, plan: StreetPlan, staff: Staff) -> list[MediationPlan]:
    factory = DisputeFactory(rng, plan, staff)
    return [factory.build(at) for at in spread(rng, value("sq_disputes_mediated"), *PERIOD)]


def save(plans: list[MediationPlan]) -> None:
    """Save the mediations of already saved dispute cases, with everything that hangs on them."""
    MediationCase.objects.bulk_create([p.mediation for p in plans], batch_size=1000)
    for plan in plans:
        m = plan.mediation
        for row in (*plan.parties, *plan.sessions, *plan.follow_ups):
            row.mediation = m
        if plan.agreement:
            plan.agreement.mediation = m
    through = MediationCase.assisting_mediators.through
    through.objects.bulk_create(
        through(mediationcase_id=p.mediation.pk, mediator_id=a.pk) for p in plans for a in p.assisting
    )
    MediationEvent.objects.bulk_create(
        (MEDIATION_HISTORY.row(p.mediation, e) for p in plans for e in p.events), batch_size=2000
    )
    Party.objects.bulk_create([r for p in plans for r in p.parties], batch_size=2000)
    Session.objects.bulk_create([r for p in plans for r in p.sessions], batch_size=2000)
    FollowUp.objects.bulk_create([r for p in plans for r in p.follow_ups], batch_size=2000)
    Agreement.objects.bulk_create([p.agreement for p in plans if p.agreement], batch_size=2000)
    confirmations = []
    for plan in plans:
        if plan.confirmation:
            plan.confirmation.agreement = plan.agreement
            confirmations.append(plan.confirmation)
    JudicialConfirmation.objects.bulk_create(confirmations)
