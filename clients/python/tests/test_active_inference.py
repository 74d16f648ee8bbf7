"""pymdp agents play controlled spins, and their posteriors are the world's phi.

For every spin world (lattice, random regular, Erdos-Renyi with padded neighbour slots, SK with
Gaussian couplings, a Boltzmann machine with fields) at several beta, one pymdp ``Agent`` per
controlled spin of every copy is built from :mod:`kindred.active_inference`'s A, B, C, D; each
step it infers its state from its neighbours' spins and sets its spin by probability matching,
and its posterior P(z = +1) must equal the world's ``phi`` of that spin (float32) at every step.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from pymdp import agent as pymdp_agent  # inferactively-pymdp, installed by scripts/test-python.sh

from kindred import active_inference as ai

CASES = [
    ("spin.lattice", {"width": 6, "height": 5, "beta": 0.44, "zeta": 0.2, "controlled": [0, 7, 29]}),
    ("spin.lattice", {"width": 4, "height": 4, "beta": 1.3, "controlled": [5]}),
    ("spin.random_regular", {"n": 24, "degree": 3, "beta": 0.8, "controlled": [1, 5, 9]}),
    ("spin.erdos_renyi", {"n": 30, "mean_degree": 3.0, "beta": 0.6, "controlled": [2, 3, 17]}),
    ("spin.sk", {"n": 12, "beta": 0.5, "controlled": [0, 11]}),
    ("spin.boltzmann", {
        "couplings": (lambda w: ((w + w.T) / 2).round(3).tolist())(
            np.triu(np.random.default_rng(3).normal(size=(6, 6)), 1)),
        "fields": [0.3, -0.2, 0.0, 0.5, -0.4, 0.1],
        "controlled": [0, 4],
    }),
]
STEPS = 40
COPIES = 3


@pytest.mark.parametrize("world,config", CASES, ids=[f"{w}-{i}" for i, (w, _) in enumerate(CASES)])
def test_pymdp_posterior_equals_the_worlds_phi(client, world, config):
    env = client.make_vector_env(world, config, num_copies=COPIES, seed=11)
    try:
        controlled = config["controlled"]
        obs, _ = env.reset()
        agents = [[None] * len(controlled) for _ in range(COPIES)]
        for c in range(COPIES):
            for k in range(len(controlled)):
                m = ai.spin_model_from(obs, c, k)
                agents[c][k] = pymdp_agent.Agent(A=m.A, B=m.B, C=m.C, D=m.D)
        rng = np.random.default_rng(5)
        compared, worst, ups = 0, 0.0, 0
        for t in range(STEPS + 1):
            actions = np.zeros(env.action_shape, dtype=np.int32)
            for c in range(COPIES):
                for k, site in enumerate(controlled):
                    agent = agents[c][k]
                    qs = agent.infer_states(ai.spin_observation_from(obs, c, k))
                    phi = float(obs["phi"][c, site])
                    worst = max(worst, abs(float(qs[0][1]) - phi))
                    assert qs[0][1] == pytest.approx(phi, abs=2e-6), (
                        f"{world} copy {c} spin {site} step {t}: pymdp {qs[0][1]!r}, world phi {phi!r}")
                    assert ai.spin_model_from(obs, c, k).posterior_up(obs["neighbour_spins"][c, k]) \
                        == pytest.approx(phi, abs=2e-6)
                    spin = ai.sample_spin(qs, rng)
                    agent.action = np.array([float(spin)])  # what pymdp's sample_action would record
                    actions[c, k, 0] = spin
                    compared += 1
                    ups += spin
            obs, *_ = env.step(actions)
        assert compared == (STEPS + 1) * COPIES * len(controlled)
        assert 0 < ups < compared, "the agents' spins never changed: the comparison saw one kind of observation"
    finally:
        env.close()


def test_the_model_is_the_papers_closed_form():
    b = np.array([0.3, -0.7, 0.0, 1.1])
    mask = np.array([1, 1, 0, 1])
    m = ai.spin_model(b, mask, 0.25)
    assert len(m.A) == 3 and m.neighbours.tolist() == [0, 1, 3]
    for A_m, bj in zip(m.A, b[[0, 1, 3]]):
        z = np.array([-1.0, 1.0])
        for o, sigma in enumerate((-1.0, 1.0)):
            np.testing.assert_allclose(A_m[o], np.exp(bj * sigma * z) / (2 * np.cosh(bj * z)), rtol=1e-12)
    np.testing.assert_allclose(m.D[0], np.exp(0.25 * np.array([-1.0, 1.0])) / (2 * np.cosh(0.25)), rtol=1e-12)
    for u in (0, 1):
        for s in (0, 1):
            np.testing.assert_array_equal(m.B[0][:, s, u], m.D[0])
    spins = np.array([1, -1, 0, 1])
    u = 0.25 + 0.3 * 1 - 0.7 * -1 + 1.1 * 1
    assert m.posterior_up(spins) == pytest.approx(1 / (1 + np.exp(-2 * u)), rel=1e-12)
    assert m.observation(spins) == [1, 0, 1]


def test_the_readme_example_runs(server_target):
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme.split("## Active inference with pymdp", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    assert '"localhost:50051"' in code
    out = subprocess.run([sys.executable, "-c", code.replace('"localhost:50051"', repr(server_target))],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "pymdp agent played 20 steps" in out.stdout
