"""The shipped event catalogue (fixtures/categories.json), loaded as `make run` loads it."""

import pytest
from django.core.management import call_command

from cases.models import Category, Level, MajorCategory, Triage

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    call_command("loadfixtures", verbosity=0)


def test_the_catalogue_has_enough_major_and_minor_classes(catalogue):
    assert MajorCategory.objects.count() >= 8
    assert Category.objects.count() >= 30
    assert set(MajorCategory.objects.values_list("name", flat=True)) >= {"矛盾纠纷", "治安隐患", "城市管理"}
    assert not MajorCategory.objects.filter(categories__isnull=True).exists()  # no empty major class


def test_every_minor_class_is_well_formed(catalogue):
    for category in Category.objects.select_related("major"):
        assert category.code.startswith(category.major.code), category
        assert category.time_limit_hours > 0, category
        assert category.default_triage in Triage.values, category
        assert category.default_level in Level.values, category
        category.full_clean()


def test_loading_the_catalogue_again_changes_nothing(catalogue):
    before = list(Category.objects.order_by("pk").values())
    call_command("loadfixtures", verbosity=0)
    assert list(Category.objects.order_by("pk").values()) == before
