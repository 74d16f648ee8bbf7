"""A controlled spin of a spin world as a `pymdp <https://github.com/infer-actively/pymdp>`_ agent.

Every spin of a spin world is an active-inference agent (Heins et al. 2022). Agent i believes
that one hidden binary cause z in {-1, +1} produces the spins of its neighbours, with sensory
precision b_ij = beta*gamma_ij per neighbour and prior precision a_i = beta*zeta_i:

    P(sigma_j | z) = exp(b_ij sigma_j z) / 2cosh(b_ij z)        P(z) = exp(a_i z) / 2cosh(a_i)

Its exact posterior is phi_i = P(z = +1 | neighbours) = sigmoid(2 (a_i + sum_j b_ij sigma_j)),
the world's ``phi``. :func:`spin_model` writes that generative model in pymdp's conventions
(numpy object arrays, one hidden-state factor, one observation modality per neighbour, index 0
= spin down (-1), index 1 = spin up (+1), like the world's action values):

- ``A[m][o, s]`` = P(neighbour m shows o | z = s), shape (2, 2), from b_im;
- ``B[0][s', s, u]`` = P(z' = s') = D[s'] for every s and every action u: the hidden cause is
  drawn afresh from the prior each step (the world's agents infer from the prior and the
  current neighbours alone, never from their previous belief), so pymdp's empirical prior is D
  at every step and its posterior is exactly phi;
- ``C[m]`` = zeros: no preference over the neighbours' spins (the paper's agents act by
  probability matching, appendix B: their control posterior equals their state posterior, which
  pymdp's expected-free-energy policies do not express; :func:`sample_spin` does that);
- ``D[0]`` = (P(z = -1), P(z = +1)) = (sigmoid(-2 a_i), sigmoid(2 a_i)).

The precisions are read from the agent's own observations (``neighbour_precisions``,
``neighbour_mask``, ``prior_precision``), so any spin world and configuration works::

    import pymdp.agent
    from kindred import active_inference as ai

    obs, _ = env.reset()                                    # a VectorEnv of a spin world
    model = ai.spin_model_from(obs, copy=0, agent=0)
    agent = pymdp.agent.Agent(A=model.A, B=model.B, C=model.C, D=model.D)
    qs = agent.infer_states(ai.spin_observation_from(obs, copy=0, agent=0))
    qs[0][1]                                                # == obs["phi"][0, controlled spin]

Nothing here imports pymdp: the arrays are plain numpy object arrays, which pymdp 0.0.7.x takes
as they are.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Mapping, Union

import numpy as np

DOWN, UP = 0, 1  # observation and state indices: spin -1, spin +1 (the world's action values)


def _sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(x, dtype=np.float64)))


def _obj_array(items) -> np.ndarray:
    arr = np.empty(len(items), dtype=object)
    for k, item in enumerate(items):
        arr[k] = item
    return arr


@dataclass(frozen=True)
class SpinModel:
    """One controlled spin's generative model in pymdp's array conventions (see the module doc).

    ``neighbours`` holds the slots of the world's ``neighbour_spins`` that are modalities, in
    modality order (padding slots dropped)."""

    A: np.ndarray
    B: np.ndarray
    C: np.ndarray
    D: np.ndarray
    neighbours: np.ndarray

    def observation(self, neighbour_spins) -> List[int]:
        """pymdp's observation (one index per modality) of the world's ``neighbour_spins`` row."""
        spins = np.asarray(neighbour_spins)[self.neighbours]
        if not np.all(np.abs(spins) == 1):
            raise ValueError(f"neighbour spins must be -1 or +1, got {spins[:8].tolist()}")
        return [UP if s > 0 else DOWN for s in spins]

    def posterior_up(self, neighbour_spins) -> float:
        """The exact posterior P(z = +1 | neighbours) in closed form (what pymdp's ``qs[0][1]`` is)."""
        spins = np.asarray(neighbour_spins, dtype=np.float64)[self.neighbours]
        a = 0.5 * np.log(self.D[0][UP] / self.D[0][DOWN])
        b = np.array([0.5 * np.log(A_m[UP, UP] / A_m[DOWN, UP]) for A_m in self.A])
        return float(_sigmoid(2.0 * (a + b @ spins)))


def spin_model(neighbour_precisions, neighbour_mask, prior_precision) -> SpinModel:
    """The generative model of a spin with sensory precisions ``neighbour_precisions`` (b_ij =
    beta*gamma_ij, one per slot; slots where ``neighbour_mask`` is 0 are padding) and prior
    precision ``prior_precision`` (a_i = beta*zeta_i)."""
    b = np.asarray(neighbour_precisions, dtype=np.float64).reshape(-1)
    mask = np.asarray(neighbour_mask).reshape(-1)
    if b.shape != mask.shape:
        raise ValueError(f"neighbour_precisions has {b.size} slots but neighbour_mask {mask.size}")
    slots = np.flatnonzero(mask)
    a = float(np.asarray(prior_precision, dtype=np.float64).reshape(-1)[0])
    A = []
    for j in slots:
        # Column s: P(neighbour = -1 | z), P(neighbour = +1 | z), with P(+1 | z) = sigmoid(2 b z).
        up_given_down, up_given_up = _sigmoid(-2.0 * b[j]), _sigmoid(2.0 * b[j])
        A.append(np.array([[1.0 - up_given_down, 1.0 - up_given_up], [up_given_down, up_given_up]]))
    d = np.array([_sigmoid(-2.0 * a), _sigmoid(2.0 * a)])
    B = np.repeat(np.repeat(d[:, None, None], 2, axis=1), 2, axis=2)  # [s', s, u] = D[s']
    C = [np.zeros(2) for _ in slots]
    return SpinModel(A=_obj_array(A), B=_obj_array([B]), C=_obj_array(C), D=_obj_array([d]), neighbours=slots)


def spin_model_from(obs: Mapping[str, np.ndarray], copy: int, agent: int) -> SpinModel:
    """The model of ``agent`` (an index into the session's controlled spins) of ``copy``, from a
    :class:`kindred.VectorEnv` observation of a spin world."""
    return spin_model(obs["neighbour_precisions"][copy, agent], obs["neighbour_mask"][copy, agent],
                      obs["prior_precision"][copy, agent])


def spin_observation_from(obs: Mapping[str, np.ndarray], copy: int, agent: int) -> List[int]:
    """pymdp's observation of ``agent`` of ``copy`` (padding slots dropped, as in its model)."""
    mask = np.asarray(obs["neighbour_mask"][copy, agent]).reshape(-1)
    spins = np.asarray(obs["neighbour_spins"][copy, agent]).reshape(-1)[np.flatnonzero(mask)]
    return [UP if s > 0 else DOWN for s in spins]


def sample_spin(qs, rng: Union[np.random.Generator, None] = None) -> int:
    """The world's action for a posterior ``qs`` (pymdp's ``agent.qs``): 1 (up) with probability
    P(z = +1), as the paper's agents do (probability matching)."""
    rng = rng if rng is not None else np.random.default_rng()
    return int(rng.random() < float(qs[0][UP]))
