"""Real row locks, on PostgreSQL: an agreement and a failure at once cannot both be recorded."""

import threading

import pytest
from django.db import connection
from django.utils import timezone

from cases.models import Case
from config.errors import ActionNotAllowed
from mediation import services
from mediation.models import Agreement, MediationCase, MediationEvent

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_agree_and_fail_at_once_one_wins_and_the_case_follows_it(roster, make_mediation):
    mediation = make_mediation("mediating")
    barrier = threading.Barrier(2)
    outcomes = {}

    def act(name, call, **arguments):
        try:
            barrier.wait()
            call(mediation_id=mediation.pk, actor=roster.gold_a.user, **arguments)
            outcomes[name] = "ok"
        except ActionNotAllowed:
            outcomes[name] = "409"
        finally:
            connection.close()

    threads = [
        threading.Thread(
            target=act,
            args=("agree", services.mediation_agree),
            kwargs={"form": "oral", "content": "和解", "signed_on": timezone.localdate()},
        ),
        threading.Thread(target=act, args=("fail", services.mediation_fail), kwargs={"reason": "不同意"}),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes.values()) == ["409", "ok"]
    final = MediationCase.objects.get(pk=mediation.pk)
    winner = "agree" if outcomes["agree"] == "ok" else "fail"
    assert final.status == {"agree": "agreed", "fail": "failed"}[winner]
    assert MediationEvent.objects.filter(mediation=mediation, action__in=["agree", "fail"]).count() == 1
    assert Agreement.objects.filter(mediation=mediation).exists() == (winner == "agree")
    case_status = Case.objects.get(pk=mediation.case_id).status
    assert case_status == ("resolved" if winner == "agree" else "in_progress")
