"""Time the geography: `manage.py bench_geo [--grids 10000] [--cases 1000000]`.

Three figures, each against a baseline timed side by side on the same machine:

1. locating a point among N grids (a bench district of rectangles), per point after the index
   is built: the spatial index alone, and the whole selector (the grid and micro-grid read from
   the database; the boundaries' version, read at most once every GEO_INDEX_RECHECK_SECONDS);
2. what the point look-up adds to a case create: creates that name their grid (read as the
   API reads it) against creates that give only a point, interleaved so that both see the same
   machine; as an API request, the located create's answer also seeks possible duplicates;
3. the nearby query (possible duplicates) on M cases of the bench district, through the
   partial index `case_nearby_idx`, with the plan the database chose.

The bench territory (district 998899) and its cases are removed at the end unless `--keep`;
`--reuse` times what an earlier `--keep` left.
"""

from __future__ import annotations

import math
import random
import statistics
import time
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import DeviceToken
from accounts.services import token_create
from cases import services
from cases.models import Case, CaseEvent, CaseNumberCounter, Category
from cases.selectors import cases_nearby
from grids.geo.index import boundaries_changed, spatial_index
from grids.models import Community, Grid, Street, UserScope
from grids.scope import SUPERUSER, Scope, scope_for
from grids.selectors import point_locate

DISTRICT = "998899"
BENCH_USER = "bench-geo"
# The bench area: around 106.0 E, 30.0 N, one street per column of communities.
ORIGIN = (106.0, 30.0)
GRID_SIZE = 0.003  # degrees: about 290 m × 330 m, an urban grid's size
GRIDS_PER_COMMUNITY = 100
COMMUNITIES_PER_STREET = 10


def _rect(x0, y0, x1, y1) -> dict:
    return {"type": "MultiPolygon", "coordinates": [[[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]]}


def _percentiles(seconds: list[float]) -> str:
    micro = sorted(s * 1e6 for s in seconds)
    p99 = micro[min(len(micro) - 1, math.ceil(len(micro) * 0.99) - 1)]
    mean, median = statistics.fmean(micro), statistics.median(micro)
    return f"mean {mean:8.1f} µs   median {median:8.1f} µs   p99 {p99:8.1f} µs"


class Command(BaseCommand):
    help = (
        "Time locate against N grids, the look-up's cost in a case create, and the nearby query on M cases."
    )

    def add_arguments(self, parser):
        parser.add_argument("--grids", type=int, default=10_000)
        parser.add_argument("--points", type=int, default=5_000, help="Points located.")
        parser.add_argument("--creates", type=int, default=200, help="Case creates of each kind.")
        parser.add_argument("--cases", type=int, default=1_000_000, help="Cases for the nearby query.")
        parser.add_argument("--queries", type=int, default=500, help="Nearby queries timed.")
        parser.add_argument("--batch", type=int, default=10_000)
        parser.add_argument("--seed", type=int, default=13)
        parser.add_argument("--keep", action="store_true")
        parser.add_argument("--reuse", action="store_true")

    def handle(self, *args, **options):
        if options["grids"] < 1 or options["grids"] % GRIDS_PER_COMMUNITY:
            raise CommandError(f"--grids must be a positive multiple of {GRIDS_PER_COMMUNITY}.")
        rng = random.Random(options["seed"])
        self.stdout.write(f"Database: {connection.vendor} ({connection.settings_dict['NAME']})")
        if not Category.objects.exists():
            call_command("loadfixtures", verbosity=0)
        if options["reuse"]:
            if not Street.objects.filter(district_code=DISTRICT).exists():
                raise CommandError("No bench data to reuse: run once with --keep first.")
        else:
            self._remove()
            self._territory(options["grids"])
        try:
            grids = list(
                Grid.objects.filter(community__street__district_code=DISTRICT).select_related("community")
            )
            self._time_locate(rng, grids, options["points"])
            self._time_create(rng, grids, options["creates"])
            if not options["reuse"]:
                self._cases(rng, grids, options["cases"], options["batch"])
            self._time_nearby(rng, grids, options["queries"])
        finally:
            if not options["keep"]:
                self._remove()
                self.stdout.write("Bench data removed.")

    # --- the territory ----------------------------------------------------------------------

    def _territory(self, count: int) -> None:
        started = time.perf_counter()
        communities = count // GRIDS_PER_COMMUNITY
        streets = math.ceil(communities / COMMUNITIES_PER_STREET)
        side = int(math.sqrt(GRIDS_PER_COMMUNITY))  # a community is side × side grids
        x0, y0 = ORIGIN
        with transaction.atomic():
            made = 0
            for s in range(streets):
                sx = x0 + s * side * GRID_SIZE
                in_street = min(COMMUNITIES_PER_STREET, communities - s * COMMUNITIES_PER_STREET)
                street = Street.objects.create(
                    name=f"定位压测街道{s + 1}",
                    code=f"{DISTRICT}{s + 1:03d}",
                    abbreviation=f"GEO{chr(65 + s // 26)}{chr(65 + s % 26)}",
                    district_name="定位压测区",
                    district_code=DISTRICT,
                    boundary=_rect(sx, y0, sx + side * GRID_SIZE, y0 + in_street * side * GRID_SIZE),
                )
                for c in range(in_street):
                    cy = y0 + c * side * GRID_SIZE
                    community = Community.objects.create(
                        street=street,
                        kind="urban",
                        name=f"定位压测社区{s + 1}-{c + 1}",
                        code=f"{street.code}{c + 1:03d}",
                        boundary=_rect(sx, cy, sx + side * GRID_SIZE, cy + side * GRID_SIZE),
                    )
                    Grid.objects.bulk_create(
                        Grid(
                            community=community,
                            code=f"{community.code}{g + 1:03d}",
                            name=f"定位压测网格{g + 1}",
                            kind="urban_residential",
                            boundary=_rect(
                                sx + (g % side) * GRID_SIZE,
                                cy + (g // side) * GRID_SIZE,
                                sx + (g % side + 1) * GRID_SIZE,
                                cy + (g // side + 1) * GRID_SIZE,
                            ),
                        )
                        for g in range(GRIDS_PER_COMMUNITY)
                    )
                    made += GRIDS_PER_COMMUNITY
            boundaries_changed()
        self.stdout.write(
            f"Bench territory: {made:,} grids in {streets} streets ({time.perf_counter() - started:.1f} s)"
        )

    def _bench_area(self, grids) -> tuple[float, float, float, float]:
        index = spatial_index()
        positions = [index.grids.positions[g.pk] for g in grids]
        bounds = [index.grids.shapes[n].bounds for n in positions]
        return (
            min(b[0] for b in bounds),
            min(b[1] for b in bounds),
            max(b[2] for b in bounds),
            max(b[3] for b in bounds),
        )

    # --- 1. locate ---------------------------------------------------------------------------

    def _time_locate(self, rng, grids, count: int) -> None:
        started = time.perf_counter()
        index = spatial_index()
        self.stdout.write(
            f"Spatial index: {len(index.grids):,} grids, {len(index.micro_grids):,} micro-grids, "
            f"built in {(time.perf_counter() - started) * 1000:.0f} ms"
        )
        x0, y0, x1, y1 = self._bench_area(grids)
        points = [(rng.uniform(x0, x1), rng.uniform(y0, y1)) for _ in range(count)]
        layer = index.grids
        for lng, lat in points[:200]:  # warm-up
            layer.covering(lng, lat)
        timings = []
        for lng, lat in points:
            begin = time.perf_counter()
            layer.covering(lng, lat)
            timings.append(time.perf_counter() - begin)
        self.stdout.write(f"locate, spatial index alone, per point:     {_percentiles(timings)}")
        scope = Scope(role=SUPERUSER)
        timings = []
        for lng, lat in points[: max(1, count // 5)]:
            begin = time.perf_counter()
            point_locate(scope=scope, lng=lng, lat=lat)
            timings.append(time.perf_counter() - begin)
        self.stdout.write(f"locate, whole selector (grid read), per point: {_percentiles(timings)}")

    # --- 2. a case create with and without the look-up --------------------------------------

    def _user(self):
        street = Street.objects.filter(district_code=DISTRICT).order_by("code").first()
        user, _created = get_user_model().objects.get_or_create(username=BENCH_USER)
        UserScope.objects.update_or_create(user=user, defaults={"role": "street_admin", "street": street})
        if hasattr(user, "_grid_scope"):
            del user._grid_scope
        return user

    def _time_create(self, rng, grids, count: int) -> None:
        user = self._user()
        street_grids = [g for g in grids if g.community.street_id == user.scope.street_id]
        category = Category.objects.filter(is_active=True).order_by("code").first()
        index = spatial_index()

        def point_in(grid):
            x0, y0, x1, y1 = index.grids.shapes[index.grids.positions[grid.pk]].bounds
            return rng.uniform(y0, y1), rng.uniform(x0, x1)

        # What a create gives: its grid, its grid and its point, or its point alone.
        NAMED, NAMED_AT_POINT, POINT = (
            "naming its grid",
            "naming its grid, with its point",
            "giving its point",
        )

        def fields(grid, variant: str) -> dict:
            given = {}
            if variant != POINT:
                given["grid"] = grid
            if variant != NAMED:
                given["latitude"], given["longitude"] = point_in(grid)
            return given

        def by_service(grid, variant: str):
            given = fields(grid, variant)
            if "grid" in given:
                # Read as the API's field reads a named grid: in the caller's territory, with its
                # community and street, so that every side reads one grid.
                pk = given["grid"].pk
                return lambda: services.case_create(
                    actor=user,
                    category=category,
                    title="压测",
                    **{**given, "grid": Grid.objects.with_parents().visible_to(scope_for(user)).get(pk=pk)},
                )
            return lambda: services.case_create(actor=user, category=category, title="压测", **given)

        # A host the settings allow, as the reports' bench does: the test client's own is not.
        hosts = [h for h in settings.ALLOWED_HOSTS if h not in ("*", "") and not h.startswith(".")]
        client = Client(HTTP_HOST=hosts[0] if hosts else "localhost")
        token = token_create(user=user, device="bench_geo").token
        url = reverse("v1:case-list")

        def by_api(grid, variant: str):
            body = {"category": category.pk, "title": "压测", **fields(grid, variant)}
            if "grid" in body:
                body["grid"] = body["grid"].pk

            def post():
                response = client.post(
                    url, body, content_type="application/json", HTTP_AUTHORIZATION=f"Token {token}"
                )
                if response.status_code != 201:
                    raise CommandError(
                        f"A bench create was answered {response.status_code}: {response.content[:200]}"
                    )

            return post

        variants = (NAMED, NAMED_AT_POINT, POINT)
        for label, make in (("service", by_service), ("API request", by_api)):
            times = self._side_by_side(rng, street_grids, count, make, variants)
            medians = {variant: statistics.median(times[variant]) for variant in variants}
            for variant in variants:
                self.stdout.write(
                    f"case create ({label}) {variant + ':':33} median {medians[variant] * 1000:.2f} ms"
                )
            for base in (NAMED, NAMED_AT_POINT):
                added = medians[POINT] - medians[base]
                share = added / medians[base] * 100
                self.stdout.write(f"  the look-up, against {base}: {added * 1000:+.2f} ms, {share:+.1f} %")

    @staticmethod
    def _side_by_side(rng, grids, count: int, make, variants) -> dict[str, list[float]]:
        """Creates of every variant in turns (the order rotates), the first 20 warming up; all
        rolled back."""
        times = {variant: [] for variant in variants}
        with transaction.atomic():
            for n in range(count + 20):
                grid = rng.choice(grids)
                calls = [(variant, make(grid, variant)) for variant in variants]
                shift = n % len(calls)
                for variant, call in calls[shift:] + calls[:shift]:
                    begin = time.perf_counter()
                    call()
                    spent = time.perf_counter() - begin
                    if n >= 20:
                        times[variant].append(spent)
            transaction.set_rollback(True)
        return times

    # --- 3. the nearby query on many cases ---------------------------------------------------

    def _cases(self, rng, grids, total: int, batch: int) -> None:
        started = time.perf_counter()
        user = self._user()
        categories = list(Category.objects.filter(is_active=True))
        index = spatial_index()
        boxes = {g.pk: index.grids.shapes[index.grids.positions[g.pk]].bounds for g in grids}
        now = timezone.now()
        span = timedelta(days=365 * 3).total_seconds()
        made = 0
        while made < total:
            rows = []
            for n in range(made, min(total, made + batch)):
                grid = rng.choice(grids)
                x0, y0, x1, y1 = boxes[grid.pk]
                category = rng.choice(categories)
                reported_at = now - timedelta(seconds=span * (1 - (n + rng.random()) / total))
                status = (
                    "closed" if rng.random() < 0.9 or reported_at < now - timedelta(days=30) else "assigned"
                )
                rows.append(
                    Case(
                        number=f"GEO-{n:09d}",
                        kind="incident",
                        category=category,
                        street_id=grid.community.street_id,
                        community_id=grid.community_id,
                        grid=grid,
                        triage="small",
                        level="grid",
                        title="压测事件",
                        latitude=f"{rng.uniform(y0, y1):.6f}",
                        longitude=f"{rng.uniform(x0, x1):.6f}",
                        reporter=user,
                        status=status,
                        reported_at=reported_at,
                        accepted_at=reported_at,
                        closed_at=reported_at + timedelta(hours=5) if status == "closed" else None,
                        due_at=reported_at + timedelta(hours=category.time_limit_hours),
                    )
                )
            with transaction.atomic():
                Case.objects.bulk_create(rows, batch_size=batch)
            made += len(rows)
            if made % (batch * 20) == 0 or made == total:
                self.stdout.write(f"  {made:,} cases ({time.perf_counter() - started:.0f} s)")
        with connection.cursor() as cursor:
            cursor.execute(f'ANALYZE "{Case._meta.db_table}"')
        self.stdout.write(f"Generated {total:,} cases in {time.perf_counter() - started:.1f} s")

    def _time_nearby(self, rng, grids, count: int) -> None:
        total = Case.objects.filter(street__district_code=DISTRICT).count()
        open_count = Case.objects.filter(street__district_code=DISTRICT).open().count()
        self.stdout.write(f"Bench district holds {total:,} cases, {open_count:,} of them open")
        scope = Scope(role=SUPERUSER)
        categories = list(Category.objects.filter(is_active=True))
        x0, y0, x1, y1 = self._bench_area(grids)
        queries = [(rng.uniform(x0, x1), rng.uniform(y0, y1), rng.choice(categories)) for _ in range(count)]
        for lng, lat, category in queries[:20]:
            cases_nearby(scope=scope, lng=lng, lat=lat, category=category)
        timings, found = [], 0
        for lng, lat, category in queries:
            begin = time.perf_counter()
            found += len(cases_nearby(scope=scope, lng=lng, lat=lat, category=category))
            timings.append(time.perf_counter() - begin)
        self.stdout.write(
            f"nearby (50 m, 72 h), per query:              {_percentiles(timings)}   ({found} found)"
        )
        self.stdout.write(f"  plan: {self._plan(queries[0])}")

    def _plan(self, query) -> str:
        lng, lat, category = query
        queryset = Case.objects.filter(
            category=category,
            status__in=("reported", "accepted", "assigned", "in_progress", "resolved"),
            latitude__isnull=False,
            latitude__range=(lat - 0.0005, lat + 0.0005),
            longitude__range=(lng - 0.0005, lng + 0.0005),
            reported_at__gte=timezone.now() - timedelta(hours=72),
        )
        plan = queryset.explain()
        return " | ".join(line.strip() for line in plan.splitlines() if line.strip())[:300]

    # --- removing ------------------------------------------------------------------------------

    def _remove(self) -> None:
        streets = list(Street.objects.filter(district_code=DISTRICT).values_list("pk", flat=True))
        user = get_user_model().objects.filter(username=BENCH_USER).first()
        with transaction.atomic():
            if user is not None:
                UserScope.objects.filter(user=user).delete()
            if streets:
                ids = ", ".join(str(pk) for pk in streets)
                cases = f'(SELECT id FROM "{Case._meta.db_table}" WHERE street_id IN ({ids}))'
                with connection.cursor() as cursor:
                    # Plain DELETEs: the ORM would load a million cases (and refuses history deletes).
                    cursor.execute(f'DELETE FROM "{CaseEvent._meta.db_table}" WHERE case_id IN {cases}')
                    cursor.execute(f'DELETE FROM "{Case._meta.db_table}" WHERE street_id IN ({ids})')
                    cursor.execute(
                        f'DELETE FROM "{CaseNumberCounter._meta.db_table}" WHERE street_id IN ({ids})'
                    )
                Grid.objects.filter(community__street_id__in=streets).delete()
                Community.objects.filter(street_id__in=streets).delete()
                Street.objects.filter(pk__in=streets).delete()
                boundaries_changed()
            if user is not None:
                DeviceToken.objects.filter(user=user).delete()
                user.delete()
