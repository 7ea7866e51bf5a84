"""How a person is named to other users: by their real name, not their account's username."""

from django.core.exceptions import ObjectDoesNotExist


def person_name(user) -> str:
    """A grid worker's name as the street registered it, else the account's full name, else
    its username. Select `grid_worker` with the user to keep this free of queries."""
    if user is None:
        return ""
    try:
        worker = user.grid_worker
    except (ObjectDoesNotExist, AttributeError):
        worker = None
    if worker is not None and worker.name:
        return worker.name
    return user.get_full_name() or user.get_username()
