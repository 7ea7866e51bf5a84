from datetime import timedelta

import factory
from django.utils import timezone

from cases.models import (
    Case,
    CaseAttachment,
    CaseEvent,
    CaseNumberCounter,
    Category,
    DispatchUnit,
    IdempotencyKey,
    MajorCategory,
    Supervision,
)
from tests.factories.grids import GridFactory, StreetFactory, UserFactory

__all__ = [
    "CaseAttachmentFactory",
    "CaseEventFactory",
    "CaseFactory",
    "CaseNumberCounterFactory",
    "CategoryFactory",
    "DispatchUnitFactory",
    "IdempotencyKeyFactory",
    "MajorCategoryFactory",
    "SupervisionFactory",
]


class MajorCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MajorCategory
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"{50 + n % 50:02d}")
    name = factory.Sequence(lambda n: f"测试大类{n}")
    default_kind = "incident"


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    major = factory.SubFactory(MajorCategoryFactory)
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.major.code}{n % 100:02d}")
    name = factory.Sequence(lambda n: f"测试小类{n}")
    time_limit_hours = 72
    default_triage = "small"
    default_level = "grid"


class CaseFactory(factory.django.DjangoModelFactory):
    """A reported case written straight to the table; tests move it on through the services."""

    class Meta:
        model = Case

    grid = factory.SubFactory(GridFactory)
    community = factory.LazyAttribute(lambda o: o.grid.community)
    street = factory.LazyAttribute(lambda o: o.grid.community.street)
    number = factory.Sequence(lambda n: f"TS-2026-{n:06d}")
    kind = "incident"
    category = factory.SubFactory(CategoryFactory)
    triage = "small"
    level = "grid"
    title = "楼道堆放杂物"
    address = "浒溪路 1 号"
    reporter = factory.SubFactory(UserFactory)
    reported_at = factory.LazyFunction(timezone.now)
    due_at = factory.LazyAttribute(lambda o: o.reported_at + timedelta(hours=72))


class CaseEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CaseEvent

    case = factory.SubFactory(CaseFactory)
    action = "report"
    actor = factory.LazyAttribute(lambda o: o.case.reporter)
    at = factory.LazyFunction(timezone.now)
    from_status = ""
    to_status = "reported"


class SupervisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Supervision

    case = factory.SubFactory(CaseFactory)
    day = factory.LazyFunction(timezone.localdate)


class CaseAttachmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CaseAttachment

    case = factory.SubFactory(CaseFactory)
    file = factory.django.FileField(filename="photo.png", data=b"\x89PNG\r\n\x1a\n" + b"0" * 32)
    token = factory.Sequence(lambda n: f"{n:032x}")
    extension = "png"
    content_type = "image/png"
    size = 40
    uploaded_by = factory.SubFactory(UserFactory)


class CaseNumberCounterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CaseNumberCounter

    street = factory.SubFactory(StreetFactory)
    year = 2026
    last = 0


class IdempotencyKeyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IdempotencyKey

    user = factory.SubFactory(UserFactory)
    key = factory.Sequence(lambda n: f"key-{n}")
    fingerprint = "0" * 64
    created_at = factory.LazyFunction(timezone.now)


class DispatchUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DispatchUnit

    street = factory.SubFactory(StreetFactory)
    name = factory.Sequence(lambda n: f"区城市管理局第{n}中队")
