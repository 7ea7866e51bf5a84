"""Time what the labels beside codes add to a case list page: `manage.py bench_case_labels`.

A page of `--rows` cases (built in memory, no database: what is timed is the serializer) is
rendered as the list answers it, `CaseListSerializer`, and by the same serializer without its
`*_label` fields, in alternating rounds under the request's language. It prints the median of
each and of the rounds' ratios, so that a busy machine slows both sides of a pair alike.
"""

from __future__ import annotations

import statistics
import time
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone, translation

from cases.models import Case, Category, MajorCategory
from cases.serializers import CaseListSerializer
from grids.models import Community, Grid, Street

LABELS = ("kind_label", "status_label", "priority_label", "triage_label", "level_label", "source_label")


class WithoutLabels(CaseListSerializer):
    class Meta(CaseListSerializer.Meta):
        fields = [name for name in CaseListSerializer.Meta.fields if name not in LABELS]
        read_only_fields = fields


def page(rows: int) -> list[Case]:
    street = Street(pk=1, name="圣泉街道")
    community = Community(pk=1, street=street, name="浒溪社区")
    grid = Grid(pk=1, community=community, name="浒溪一网格")
    category = Category(pk=1, name="乱堆乱放", major=MajorCategory(pk=1, name="市容环境"))
    now = timezone.now()
    statuses = ["reported", "accepted", "assigned", "in_progress", "resolved", "closed"]
    return [
        Case(
            pk=n,
            number=f"SQ-2026-{n:06d}",
            kind="incident",
            status=statuses[n % len(statuses)],
            title="楼道堆放杂物",
            category=category,
            priority="normal",
            triage="small",
            level="grid",
            source="patrol",
            street=street,
            community=community,
            grid=grid,
            address="浒溪路 8 号",
            reported_at=now - timedelta(hours=n),
            due_at=now + timedelta(hours=48 - n),
            version=1,
        )
        for n in range(1, rows + 1)
    ]


def render(serializer, cases) -> list:
    return serializer(cases, many=True).data


class Command(BaseCommand):
    help = "Time a case list page with and without the labels beside its codes."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=50, help="cases on the page (50: a page)")
        parser.add_argument("--rounds", type=int, default=30)
        parser.add_argument("--repeat", type=int, default=20, help="pages rendered per round and side")
        parser.add_argument("--language", default="zh-hans")

    def handle(self, *args, rows, rounds, repeat, language, **options):
        cases = page(rows)
        times = {"without": [], "with": []}
        ratios = []
        with translation.override(language):
            for serializer in (WithoutLabels, CaseListSerializer):  # warm: each language's table
                render(serializer, cases)
            for n in range(rounds):
                order = [("without", WithoutLabels), ("with", CaseListSerializer)]
                if n % 2:
                    order.reverse()
                measured = {}
                for name, serializer in order:
                    start = time.perf_counter()
                    for _ in range(repeat):
                        render(serializer, cases)
                    measured[name] = (time.perf_counter() - start) / repeat * 1000
                    times[name].append(measured[name])
                ratios.append(measured["with"] / measured["without"])
        before, after = statistics.median(times["without"]), statistics.median(times["with"])
        self.stdout.write(
            f"{rows} rows, {rounds} rounds of {repeat} pages ({language}): "
            f"without labels {before:.2f} ms, with labels {after:.2f} ms a page; "
            f"median ratio {statistics.median(ratios):.3f} (+{(statistics.median(ratios) - 1) * 100:.1f} %)"
        )
