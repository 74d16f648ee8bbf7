"""Fixtures of the RL-library tests (scripts/test-rl.sh runs them with the cached RL venv):
one real Kindred server for the session, as in ../tests/conftest.py (``$KINDRED_TEST_TARGET``
uses a running one), and the spin task the learning tests share."""
from __future__ import annotations

import os

import numpy as np
import pytest

import kindred
from kindred.spaces import ObservationLayout
from kindred.testing import LocalServer

#: The learning task: controlled spins of a lattice; reward = minus the spin's surprise about its
#: neighbours. Setting one's spin with the neighbours' majority keeps the neighbourhood ordered and
#: the surprise low, so the task has a simple good policy (``align``) that a trainer can find.
WORLD = "spin.lattice"
CONFIG = {"width": 8, "height": 8, "beta": 0.6, "controlled": [0, 9, 18, 27, 36, 45, 54, 63], "max_steps": 32}
OBSERVATIONS = ["neighbour_spins", "neighbour_precisions", "own_spin"]


@pytest.fixture(scope="session")
def server_target() -> str:
    if os.environ.get("KINDRED_TEST_TARGET"):
        yield os.environ["KINDRED_TEST_TARGET"]
        return
    with LocalServer() as server:
        yield server.target


def evaluate(target: str, act, copies: int = 64, episodes: int = 4, seed: int = 12345) -> tuple:
    """Mean reward per agent-step, and its standard error over copies, of ``act`` (flat
    observations [n, features] -> actions [n]) on the task: ``episodes`` full episodes of
    ``copies`` copies from a fixed seed (the same for every policy: common random numbers)."""
    with kindred.Client(target) as client:
        env = client.make_vector_env(WORLD, CONFIG, num_copies=copies, seed=seed, autoreset="same_step",
                                     observations=OBSERVATIONS)
        layout = ObservationLayout(env.observation_infos, False, "flat")
        obs, _ = env.reset(seed=seed)
        per_copy = np.zeros(copies)
        steps = 0
        for _ in range(episodes * CONFIG["max_steps"]):
            flats = np.stack([layout.observation(obs, slice(None), a) for a in range(env.num_agents)], axis=1)
            actions = np.asarray(act(flats.reshape(-1, layout.size))).reshape(copies, env.num_agents, 1)
            obs, rewards, terminated, truncated, info = env.step(actions.astype(np.int32))
            per_copy += rewards.mean(axis=1)
            steps += 1
        env.close()
    means = per_copy / steps
    return float(means.mean()), float(means.std(ddof=1) / np.sqrt(copies))


def align(flat: np.ndarray) -> np.ndarray:
    """The hand-written good policy: up (1) when the precision-weighted neighbour spins sum to
    more than 0 (the first 4 features are the neighbour spins, the next 4 their precisions)."""
    return ((flat[:, 0:4] * flat[:, 4:8]).sum(axis=1) > 0).astype(np.int64)


def random_policy(seed: int = 7):
    rng = np.random.default_rng(seed)
    return lambda flat: rng.integers(0, 2, size=len(flat))


def rllib_policy(module):
    """An RLlib RLModule as a batch policy: one action per row of flat observations, sampled from
    its action distribution (torch's global seed fixes the draws)."""
    import torch

    def act(flat):
        with torch.no_grad():
            logits = module.forward_inference({"obs": torch.as_tensor(flat)})["action_dist_inputs"]
            return torch.distributions.Categorical(logits=logits).sample().numpy()

    return act
