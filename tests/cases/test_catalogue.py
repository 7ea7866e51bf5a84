"""The shipped event catalogue (fixtures/categories.json), loaded as `make run` loads it."""

from io import StringIO

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


def test_loading_again_keeps_a_superusers_change_and_adds_what_is_missing(catalogue):
    # Given a superuser shortened a time limit in the admin, and a minor class went missing
    changed = Category.objects.get(code="0101")
    changed.time_limit_hours = 12
    changed.save()
    missing = Category.objects.exclude(pk=changed.pk).order_by("code").last()
    missing_pk, missing_name = missing.pk, missing.name
    missing.delete()
    out = StringIO()

    # When the catalogue is loaded again, as `make run` does at each start
    call_command("loadfixtures", stdout=out)

    # Then the change stays and only the missing row is back
    assert Category.objects.get(pk=changed.pk).time_limit_hours == 12
    assert Category.objects.get(pk=missing_pk).name == missing_name
    assert "1" in out.getvalue() and "新增" in out.getvalue()


def test_replace_puts_the_shipped_catalogue_back(catalogue):
    changed = Category.objects.get(code="0101")
    shipped = changed.time_limit_hours
    changed.time_limit_hours = 12
    changed.save()

    call_command("loadfixtures", "--replace", verbosity=0)

    assert Category.objects.get(pk=changed.pk).time_limit_hours == shipped
