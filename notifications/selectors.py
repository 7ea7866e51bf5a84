"""Reading a user's inbox: one query for the page, one for the unread count and the cursor."""

from __future__ import annotations

from django.db.models import Case, Count, IntegerField, Max, Q, Value, When

from notifications.models import Notification


def inbox(*, user, since: int | None = None, unread_only: bool = False, limit: int = 50) -> dict:
    """The user's notifications, unread first and newest first within each; with `since`
    (the `cursor` of an earlier answer) only those that came after it.

    `cursor` is the newest notification's id, to send as `since` next: a phone that polls
    with it is answered only what is new, in the same two queries.
    """
    mine = Notification.objects.of_user(user)
    page = mine
    if since is not None:
        page = page.filter(pk__gt=since)
    if unread_only:
        page = page.unread()
    rows = list(
        page.annotate(
            is_read=Case(
                When(read_at__isnull=True, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        ).order_by("is_read", "-pk")[:limit]
    )
    totals = mine.aggregate(unread=Count("pk", filter=Q(read_at__isnull=True)), cursor=Max("pk"))
    return {"unread_count": totals["unread"], "cursor": totals["cursor"] or since or 0, "results": rows}
