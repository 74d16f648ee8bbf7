"""Shared fixtures: one real Kindred server for the whole test session.

The server is the repository's jar (``env-server/target/kindred-server.jar``, built by
``./kindred test`` / ``./kindred build``; ``$KINDRED_SERVER_JAR`` overrides), started as
``java -jar kindred-server.jar serve --port 0 --host 127.0.0.1``; the port it picked is parsed
from its ``listening on HOST:PORT`` log line. ``$KINDRED_TEST_TARGET`` uses a running server
instead. Fixtures for other test modules: ``kindred_server`` (a ``kindred.testing.LocalServer``
or None), ``server_target`` ("127.0.0.1:PORT"), ``client`` (a ``kindred.Client``).
"""
from __future__ import annotations

import os

import numpy as np
import pytest

import kindred
from kindred.testing import LocalServer

# One small configuration per world, each with some controlled spins (agents). The energy
# world joins this table when it lands.
WORLDS = {
    "spin.lattice": {"width": 6, "height": 5, "controlled": [0, 7], "max_steps": 30},
    "spin.random_regular": {"n": 24, "degree": 3, "controlled": [1, 5, 9], "max_steps": 30},
    "spin.erdos_renyi": {"n": 24, "mean_degree": 3.0, "controlled": [2, 3], "max_steps": 30},
    "spin.sk": {"n": 12, "beta": 0.5, "controlled": [0, 11], "max_steps": 30},
    "spin.boltzmann": {
        "couplings": (np.triu(np.random.default_rng(3).normal(size=(6, 6)), 1) * 0.5
                      + np.triu(np.random.default_rng(3).normal(size=(6, 6)), 1).T * 0.5).round(3).tolist(),
        "controlled": [0, 4],
        "max_steps": 30,
    },
    "energy.s3": {"max_steps": 40},
    "energy.room": {"width": 12, "height": 10, "agents": 3, "altars": 1, "converters": 1,
                    "green_generators": 2, "yellow_generators": 1, "walls": 3, "view_size": 5,
                    "kinship": "teams", "groups": 2, "max_steps": 40},
}

# Single-agent settings for Gymnasium's check_env.
SINGLE_AGENT = {
    world: ({**config, "controlled": config["controlled"][:1]} if world.startswith("spin.")
            else {**{k: v for k, v in config.items() if k != "groups"}, "agents": 1, "kinship": "selfish"})
    for world, config in WORLDS.items()
}


@pytest.fixture(scope="session")
def kindred_server():
    if os.environ.get("KINDRED_TEST_TARGET"):
        yield None
        return
    server = LocalServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def server_target(kindred_server) -> str:
    return os.environ.get("KINDRED_TEST_TARGET") or kindred_server.target


@pytest.fixture
def client(server_target):
    c = kindred.Client(server_target, timeout=30)
    yield c
    c.close()
