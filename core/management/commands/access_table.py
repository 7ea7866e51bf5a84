"""Print who may do what, from the one registry of grants, as the README's access table."""

from django.core.management.base import BaseCommand

from core.access import ACCESS, Relation, Role

# Roles in the order the README's tables list them, from the widest scope down.
ROLE_ORDER = [
    Role.SUPERUSER,
    Role.DISTRICT_VIEWER,
    Role.STREET_ADMIN,
    Role.COMMUNITY_STAFF,
    Role.GRID_WORKER,
    Role.MEDIATOR,
]


def access_table() -> str:
    """The registry as a Markdown table: one row per (app, action), a column per role, then the
    relations to the object that also grant it."""
    head = ["action", *(f"`{r.value}`" for r in ROLE_ORDER), "also"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for app, action, grants in ACCESS.entries():
        marks = ["✓" if role in grants else "" for role in ROLE_ORDER]
        relations = ", ".join(f"`{g.name}`" for g in sorted(grants, key=str) if isinstance(g, Relation))
        lines.append("| " + " | ".join([f"`{app}.{action}`", *marks, relations]) + " |")
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Print the access table (who may take which action) from the registry of grants."

    def handle(self, *args, **options):
        self.stdout.write(access_table())
