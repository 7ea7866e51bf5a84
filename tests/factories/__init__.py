"""One factory-boy factory per model."""

from tests.factories.cases import *  # noqa: F403
from tests.factories.grids import *  # noqa: F403
from tests.factories.jobs import *  # noqa: F403
from tests.factories.mediation import *  # noqa: F403
from tests.factories.notifications import *  # noqa: F403
from tests.factories.registry import *  # noqa: F403
