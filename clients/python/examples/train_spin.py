#!/usr/bin/env python3
"""Trains controlled spins to minimise their surprise, with REINFORCE and a logistic policy
(numpy only), over a batched kindred.VectorEnv.

Each controlled spin sees its neighbours' spins and the precisions it assigns them. The policy
is P(up) = sigmoid(w * h + b), where h = sum_j precision_j * neighbour_spin_j is the local
field. Its reward is minus its surprise about its neighbours after the step; with the field,
aligning (w > 0) keeps the neighbourhood ordered and the surprise low. Starting from w = b = 0
(a coin flip), the mean reward per step should rise as w grows.

    ./kindred serve &
    python clients/python/examples/train_spin.py --iterations 30
    python clients/python/examples/train_spin.py --spawn        # private server from the jar
"""
import argparse
import json

import numpy as np

import kindred
from kindred.testing import LocalServer


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def train(target: str, world: str, config: dict, copies: int, iterations: int, horizon: int, lr: float, seed: int):
    rng = np.random.default_rng(seed)
    w, b = 0.0, 0.0
    baseline = None
    history = []
    with kindred.Client(target) as client:
        env = client.make_vector_env(world, config, num_copies=copies, seed=seed,
                                     observations=["neighbour_spins", "neighbour_precisions"])
        print(f"{world}: {copies} copies x {env.num_agents} controlled spins {env.agent_names}")
        obs, _ = env.reset()
        for it in range(iterations):
            grad_w = grad_b = 0.0
            rewards_it = []
            for _ in range(horizon):
                h = (obs["neighbour_precisions"] * obs["neighbour_spins"]).sum(axis=-1)  # [copies, agents]
                p_up = sigmoid(w * h + b)
                up = rng.random(p_up.shape) < p_up
                obs, rewards, terminated, truncated, info = env.step(up.astype(np.int32)[..., None])
                # The NEXT_STEP reset step carries reward 0 and ignores actions: leave it out.
                valid = ~info["reset_mask"]
                if not valid.any():
                    continue
                mean_r = rewards[valid].mean()
                baseline = mean_r if baseline is None else 0.9 * baseline + 0.1 * mean_r
                advantage = (rewards - baseline) * valid[:, None]
                dlogp = up - p_up  # d log pi / d logit
                grad_w += (advantage * dlogp * h).mean()
                grad_b += (advantage * dlogp).mean()
                rewards_it.append(mean_r)
            w += lr * grad_w / horizon
            b += lr * grad_b / horizon
            history.append(float(np.mean(rewards_it)))
            if it % max(1, iterations // 10) == 0 or it == iterations - 1:
                print(f"iteration {it:3d}: mean reward per step {history[-1]:8.4f}   w = {w:6.3f}  b = {b:6.3f}")
        env.close()
    k = max(1, len(history) // 5)
    print(f"mean reward: first {k} iterations {np.mean(history[:k]):.4f} -> last {k} {np.mean(history[-k:]):.4f}")
    return w, b, history


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--target", default="localhost:50051")
    p.add_argument("--spawn", action="store_true", help="start a private server from env-server/target/kindred-server.jar")
    p.add_argument("--world", default="spin.lattice")
    p.add_argument("--config", default='{"width": 16, "height": 16, "beta": 0.35, "controlled": [0, 5, 40, 77, 130, 200], "max_steps": 500}')
    p.add_argument("--copies", type=int, default=32)
    p.add_argument("--iterations", type=int, default=30)
    p.add_argument("--horizon", type=int, default=20, help="steps per policy update")
    p.add_argument("--lr", type=float, default=2.0)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    args = (a.world, json.loads(a.config), a.copies, a.iterations, a.horizon, a.lr, a.seed)
    if a.spawn:
        with LocalServer() as server:
            train(server.target, *args)
    else:
        train(a.target, *args)


if __name__ == "__main__":
    main()
