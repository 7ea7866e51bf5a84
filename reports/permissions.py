"""Who reads the reports: the reports app's grants (`core.access.ACCESS`)."""

from core.access import ACCESS, Role

# Grid workers see their own grids' cases to work on them, not the territory's figures;
# mediators read the mediation report of the mediations they see, not the case figures.
RESOLUTION_READERS = {Role.SUPERUSER, Role.STREET_ADMIN, Role.COMMUNITY_STAFF, Role.DISTRICT_VIEWER}

ACCESS.register(
    "reports",
    {
        "resolution": RESOLUTION_READERS,
        "mediation": {*RESOLUTION_READERS, Role.MEDIATOR},
        # Base data and key-person visits: counts and rates, never who (`reports.registry`).
        "base_data": RESOLUTION_READERS,
        "visits": RESOLUTION_READERS,
    },
)
