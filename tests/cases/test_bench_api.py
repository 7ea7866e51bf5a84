"""Pieces of `bench_api` that run without its gunicorn: the replica's lag, sampled while a
block runs."""

import time

import pytest

from cases.bench.run import LagSampler
from config.replica import replica_configured


@pytest.mark.skipif(replica_configured(), reason="a replica is configured")
def test_without_a_replica_the_bench_says_so():
    sampler = LagSampler()
    with sampler.sampling():
        time.sleep(0.05)
    assert sampler.samples == []
    assert "no read replica" in sampler.summary()


# The marker names the replica's alias, which exists only when a replica is configured.
@pytest.mark.skipif(not replica_configured(), reason="needs the streaming replica: set DATABASE_REPLICA_URL")
@pytest.mark.django_db(databases=["default", "replica"])
def test_the_lag_is_sampled_from_the_replica_while_the_block_runs():
    sampler = LagSampler(every=0.02)
    with sampler.sampling():
        time.sleep(0.3)
    assert len(sampler.samples) >= 3
    assert all(lag >= 0 for lag in sampler.samples)
    assert sampler.summary().startswith("Replica lag under the creates' load")
    with sampler.sampling(active=False):  # the other pairs are not sampled
        time.sleep(0.1)
    assert len(sampler.samples) < 0.3 / 0.02 + 2
