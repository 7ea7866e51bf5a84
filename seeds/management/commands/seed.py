import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cases.models import Category
from seeds import base_data, geography, mediations, people, territory, workload
from seeds import synthetic as syn
from seeds.reset import is_seeded, wipe


class Command(BaseCommand):
    help = _(
        "Load the three streets of the reports with their figures, people and case history "
        "(demo data; never in production)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset", action="store_true", help=_("Wipe the service's data first, then seed.")
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help=_("Seed only when the database holds no data; else do nothing."),
        )

    def handle(self, *args, reset=False, if_empty=False, **options):
        if settings.PRODUCTION:
            raise CommandError(_("The demo seed is refused when DJANGO_ENV=production."))
        if is_seeded() and not reset:
            if if_empty:
                self.stdout.write(_("The database holds data already; nothing seeded."))
                return
            raise CommandError(
                _("The database holds data already. Run with --reset to wipe it and seed again.")
            )
        started = time.perf_counter()
        if not Category.objects.exists():
            call_command("loadfixtures", verbosity=0)
        with transaction.atomic():
            if reset:
                wipe()
            counts = build()
        seconds = time.perf_counter() - started
        summary = summary_text(counts)
        self.stdout.write(
            self.style.SUCCESS(
                _("Seeded in %(seconds).1f s: %(summary)s.") % {"seconds": seconds, "summary": summary}
            )
        )


def summary_text(counts: dict[str, int]) -> str:
    """What was seeded, in the active language: "街道 3 个、网格 323 个…"."""
    words = {
        "streets": lambda n: ngettext("%(count)d street", "%(count)d streets", n),
        "grids": lambda n: ngettext("%(count)d grid", "%(count)d grids", n),
        "cases": lambda n: ngettext("%(count)d case", "%(count)d cases", n),
        "mediations": lambda n: ngettext("%(count)d mediation", "%(count)d mediations", n),
        "buildings": lambda n: ngettext("%(count)d building", "%(count)d buildings", n),
        "houses": lambda n: ngettext("%(count)d house", "%(count)d houses", n),
        "residents": lambda n: ngettext("%(count)d resident", "%(count)d residents", n),
        "key persons": lambda n: ngettext("%(count)d key person", "%(count)d key persons", n),
        "visits": lambda n: ngettext("%(count)d visit", "%(count)d visits", n),
    }
    # The list separator differs too: "、" in Chinese, ", " in English.
    return _(", ").join(words[name](count) % {"count": count} for name, count in counts.items())


def build() -> dict[str, int]:
    """Every builder draws from one generator in a fixed order: the same run, the same data.

    The history's notes are written in the service's language, as its users would see the
    services write them.
    """
    with translation.override(settings.LANGUAGE_CODE):
        return _build()


def _build() -> dict[str, int]:
    rng = syn.new_random()
    people.create_superuser()
    sq = territory.build_shengquan(rng)
    jj = territory.build_jijiang(rng)
    dc = territory.build_dongcheng(rng)
    # Synthetic geography, from a generator of its own: the other values stay as they were.
    grid_boxes = geography.shape_territory([sq, jj, dc])
    geo_rng = geography.new_random()

    def place(cases):
        geography.place_cases(cases, grid_boxes, geo_rng)

    sq_staff = people.staff_shengquan(rng, sq)
    jj_staff = people.staff_jijiang(rng, jj)
    dc_staff = people.staff_dongcheng(rng, dc)
    incidents = workload.shengquan_incidents(rng, sq, sq_staff)
    disputes = mediations.shengquan_disputes(rng, sq, sq_staff)
    workload.save(sq, incidents + [plan.walk for plan in disputes], place)
    mediations.save(disputes)
    city = workload.save(jj, workload.jijiang_city_cases(rng, jj, jj_staff), place)
    dongcheng = workload.save(dc, workload.dongcheng_incidents(rng, dc, dc_staff), place)
    # Base data draws from a generator of its own, so that adding it changed no case or mediation.
    sq_base = base_data.build_shengquan(syn.new_random(base_data.RANDOM_SEED), sq, sq_staff, grid_boxes)
    return {
        "streets": 3,
        "grids": len(sq.grids) + len(jj.grids) + len(dc.grids),
        "cases": len(incidents) + len(disputes) + len(city) + len(dongcheng),
        "mediations": len(disputes),
        "buildings": len(sq_base.buildings),
        "houses": len(sq_base.houses),
        "residents": len(sq_base.residents),
        "key persons": len(sq_base.key_persons),
        "visits": sq_base.visits,
    }
