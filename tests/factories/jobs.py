import factory

from jobs.models import Job
from tests.factories.grids import UserFactory

__all__ = ["JobFactory"]


class JobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Job

    user = factory.SubFactory(UserFactory)
    kind = "reports.resolution"
    params = factory.LazyFunction(lambda: {"format": "csv"})
