#!/usr/bin/env python3
"""Plays episodes of a Kindred world with random actions (PettingZoo ParallelEnv) and prints
each agent's return.

    ./kindred serve &                                   # a server on localhost:50051
    python clients/python/examples/random_agent.py --episodes 3
    python clients/python/examples/random_agent.py --spawn   # start a private server from the jar
"""
import argparse
import json

import numpy as np

import kindred
from kindred.testing import LocalServer


def play(target: str, world: str, config: dict, episodes: int, seed: int) -> None:
    env = kindred.ParallelEnv(target, world, config)
    print(f"{world}: agents {env.possible_agents}, action space {env.action_space(env.possible_agents[0])}")
    try:
        for episode in range(episodes):
            obs, infos = env.reset(seed=seed + episode)
            for i, agent in enumerate(env.agents):
                env.action_space(agent).seed(seed + 1000 * episode + i)
            returns = {agent: 0.0 for agent in env.agents}
            steps = 0
            while env.agents:
                actions = {agent: env.action_space(agent).sample() for agent in env.agents}
                obs, rewards, terminations, truncations, infos = env.step(actions)
                for agent, r in rewards.items():
                    returns[agent] += r
                steps += 1
            summary = ", ".join(f"{a} {r:.2f}" for a, r in returns.items())
            print(f"episode {episode}: {steps} steps; returns: {summary}; "
                  f"mean per step {np.mean(list(returns.values())) / steps:.3f}")
    finally:
        env.close()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--target", default="localhost:50051", help="server address (host:port)")
    p.add_argument("--spawn", action="store_true", help="start a private server from env-server/target/kindred-server.jar")
    p.add_argument("--world", default="spin.lattice")
    p.add_argument("--config", default='{"width": 16, "height": 16, "beta": 0.4, "controlled": [0, 17, 100], "max_steps": 200}',
                   help="world configuration as JSON")
    p.add_argument("--episodes", type=int, default=3)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    config = json.loads(a.config)
    if a.spawn:
        with LocalServer() as server:
            play(server.target, a.world, config, a.episodes, a.seed)
    else:
        play(a.target, a.world, config, a.episodes, a.seed)


if __name__ == "__main__":
    main()
