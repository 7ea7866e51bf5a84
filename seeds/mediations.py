"""Shengquan's 1,341 mediated disputes (report 000), each concluded.

Every dispute is a case (kind `dispute`) that the centre accepts and hands to a mediation
room; its mediation runs as `mediation.services` would run it (register, start, sessions,
then an agreement, a failure and referral, or a withdrawal; confirmations and follow-ups
after agreements), and the case follows it to closure. Outcome shares, levels, dates, parties
and texts are synthetic.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from random import Random

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
from seeds import synthetic as syn
from seeds.figures import value
from seeds.history import SATISFACTION, CaseFactory, Profile, Walk, spread
from seeds.people import Staff
from seeds.territory import StreetPlan

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
TERMS = ["一次性赔偿损失", "分期偿还欠款", "恢复原状并赔礼道歉", "按约定划分使用界线", "协商调整物业服务费"]


@dataclass
class MediationPlan:
    walk: Walk
    mediation: MediationCase
    assisting: list = field(default_factory=list)
    events: list = field(default_factory=list)  # (action, at, from, to, note)
    parties: list[Party] = field(default_factory=list)
    sessions: list[Session] = field(default_factory=list)
    agreement: Agreement | None = None
    confirmation: JudicialConfirmation | None = None
    follow_ups: list[FollowUp] = field(default_factory=list)

    def step(self, action: str, at: datetime, to_status: str, note: str = "") -> None:
        self.events.append((action, at, self.mediation.status, to_status, note))
        self.mediation.status = to_status


class DisputeFactory:
    def __init__(self, rng: Random, plan: StreetPlan, staff: Staff):
        self.rng, self.plan, self.staff = rng, plan, staff
        self.cases = CaseFactory(rng, plan, staff, Profile(0, 0, 0, 0.75, 0, {"patrol": 60, "resident": 40}))
        self.categories = list(
            Category.objects.select_related("major").filter(major__code="01").order_by("code")
        )
        self.gold = [m for m in staff.mediators if m.kind == "gold"]
        self.ordinary = [m for m in staff.mediators if m.kind != "gold"]

    def build(self, reported_at: datetime) -> MediationPlan:
        rng, admin = self.rng, self.staff.admin
        category = rng.choice(self.categories)
        walk = self.cases.report(category, rng.choice(self.plan.grids), reported_at, kind="dispute")
        case = walk.case
        case.accepted_at = reported_at + timedelta(hours=rng.randrange(1, 6))
        walk.step("accept", case.accepted_at, Status.ACCEPTED, admin)
        plan = self._register(walk, category)
        self._mediate(plan)
        self._close_case(plan)
        return plan

    def _register(self, walk: Walk, category) -> MediationPlan:
        rng, case = self.rng, walk.case
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
            registered_by=self.staff.admin,
            registered_at=registered_at,
            status="",
        )
        plan = MediationPlan(walk, mediation)
        plan.assisting = [m for m in rng.sample(self.ordinary, rng.randrange(0, 3)) if m.pk != lead.pk]
        plan.step("register", registered_at, M.REGISTERED)
        plan.parties = self._parties()
        case.assignee_unit = f"人民调解：{room.name}"
        case.assigned_at = registered_at
        walk.step("assign", registered_at, Status.ASSIGNED, self.staff.admin, case.assignee_unit)
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
        rng, m, walk = self.rng, plan.mediation, plan.walk
        started = m.registered_at + timedelta(hours=rng.randrange(4, 48))
        m.started_at = started
        plan.step("start", started, M.MEDIATING)
        walk.case.started_at = started
        walk.step("start", started, Status.IN_PROGRESS, self.staff.admin, "开始调解")
        at = started
        if m.level != MediationLevel.STREET and rng.random() < 0.06:
            at = self._escalate(plan, at + timedelta(days=rng.randrange(1, 4)))
        for _ in range(rng.randrange(1, 4)):
            at += timedelta(days=rng.randrange(1, 5))
            plan.sessions.append(
                Session(
                    held_on=at.date(),
                    place=m.room.name,
                    attendees="双方当事人、调解员、网格员",
                    notes="听取双方陈述，释法说理，引导协商。",
                    recorded_by=self.staff.admin,
                )
            )
            plan.step("session", at, M.MEDIATING, f"{at.date()} {m.room.name}")
        self._conclude(plan, at + timedelta(hours=rng.randrange(2, 30)))

    def _escalate(self, plan: MediationPlan, at: datetime) -> datetime:
        m = plan.mediation
        m.level = MediationLevel.STREET if m.level == MediationLevel.COMMUNITY else MediationLevel.COMMUNITY
        m.escalation_count = 1
        if m.level == MediationLevel.STREET:
            m.room = self.staff.street_room
        plan.step("escalate", at, M.REGISTERED, "本级调解未果，提交上一级调解")
        m.started_at = at + timedelta(hours=4)
        plan.step("start", m.started_at, M.MEDIATING)
        return m.started_at

    def _conclude(self, plan: MediationPlan, at: datetime) -> None:
        rng, m = self.rng, plan.mediation
        outcome = syn.weighted(rng, OUTCOMES)
        m.concluded_at = at
        if outcome == M.AGREED:
            form = Agreement.Form.WRITTEN if rng.random() < 0.65 else Agreement.Form.ORAL
            content = f"经调解，双方自愿达成协议：{rng.choice(TERMS)}。"
            m.outcome_note = content
            plan.agreement = Agreement(
                form=form,
                content=content,
                signed_on=at.date(),
                performance_deadline=at.date() + timedelta(days=rng.randrange(7, 60)),
            )
            plan.step("agree", at, M.AGREED)
            self._after_agreement(plan, at)
        elif outcome == M.FAILED:
            m.outcome_note = "双方分歧较大，未能达成协议"
            plan.step("fail", at, M.FAILED, m.outcome_note)
            plan.walk.step("comment", at, Status.IN_PROGRESS, self.staff.admin, f"调解不成：{m.outcome_note}")
            m.referral = syn.weighted(rng, REFERRALS)
            m.referred_at = at + timedelta(hours=2)
            m.referral_note = "已告知当事人依法维权途径"
            plan.step("refer", m.referred_at, M.FAILED, m.referral_note)
        else:
            m.outcome_note = "申请人撤回调解申请"
            plan.step("withdraw", at, M.WITHDRAWN, m.outcome_note)

    def _after_agreement(self, plan: MediationPlan, at: datetime) -> None:
        rng, signed_on = self.rng, plan.agreement.signed_on
        if plan.agreement.form == Agreement.Form.WRITTEN and rng.random() < 0.2:
            applied = signed_on + timedelta(days=rng.randrange(1, 28))  # within the 30 days of art. 33
            plan.confirmation = JudicialConfirmation(
                applied_on=applied,
                result=JudicialConfirmation.Result.CONFIRMED
                if rng.random() < 0.95
                else JudicialConfirmation.Result.REFUSED,
                court="江津区人民法院",
                decided_on=applied + timedelta(days=rng.randrange(3, 12)),
            )
            plan.step("confirm", at + timedelta(days=(applied - signed_on).days), M.AGREED)
        if rng.random() < 0.7:
            for n in range(rng.randrange(1, 3)):
                visited = signed_on + timedelta(days=7 + 30 * n + rng.randrange(20))
                follow = FollowUp(
                    visited_on=visited, by=self.staff.admin, performance=syn.weighted(rng, PERFORMANCE)
                )
                plan.follow_ups.append(follow)
                plan.step(
                    "follow-up", at + timedelta(days=(visited - signed_on).days), M.AGREED, follow.performance
                )

    def _close_case(self, plan: MediationPlan) -> None:
        """The dispute case is resolved with the mediation's outcome, then verified and closed."""
        rng, m, walk, admin = self.rng, plan.mediation, plan.walk, self.staff.admin
        case = walk.case
        if m.status == M.AGREED:
            form = "书面调解协议" if plan.agreement.form == Agreement.Form.WRITTEN else "口头调解协议"
            resolved, result = m.concluded_at, f"调解成功：{form}，{plan.agreement.signed_on} 签订。"
        elif m.referral:
            resolved, result = (
                m.referred_at,
                f"调解不成，已引导至{m.get_referral_display()}。{m.referral_note}",
            )
        else:  # a withdrawal hands the case back to the centre, resolved with it as its result
            resolved, result = m.concluded_at, f"调解撤回：{m.outcome_note}"
        case.resolved_at, case.result = resolved, result
        walk.step("resolve", resolved, Status.RESOLVED, admin, result)
        case.closed_at = resolved + timedelta(hours=rng.randrange(2, 30))
        walk.step("verify", case.closed_at, Status.CLOSED, admin, "核查通过，予以结案")
        if rng.random() < 0.75:
            case.satisfaction = syn.weighted(rng, SATISFACTION)
            walk.step(
                "feedback",
                case.closed_at + timedelta(hours=rng.randrange(2, 48)),
                Status.CLOSED,
                case.reporter,
            )


def shengquan_disputes(rng: Random, plan: StreetPlan, staff: Staff) -> list[MediationPlan]:
    factory = DisputeFactory(rng, plan, staff)
    return [factory.build(at) for at in spread(rng, value("sq_disputes_mediated"), *PERIOD)]


def save(plans: list[MediationPlan]) -> None:
    """Save the mediations of already saved dispute cases, with everything that hangs on them."""
    for plan in plans:
        plan.mediation.version = len(plan.events)  # one version per recorded step, as the services do
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
        (
            MediationEvent(
                mediation=p.mediation,
                action=a,
                at=at,
                from_status=f,
                to_status=t,
                note=note,
                actor=_actor(p),
                changes={},
            )
            for p in plans
            for a, at, f, t, note in p.events
        ),
        batch_size=2000,
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


def _actor(plan: MediationPlan):
    """Steps of the demo mediator's cases are theirs; the centre records the others."""
    lead = plan.mediation.lead_mediator
    return lead.user if lead.user_id else plan.mediation.registered_by
