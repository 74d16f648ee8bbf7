#!/usr/bin/env python3
"""Trains RLlib PPO on a Kindred world across a Ray cluster: one Kindred server per Ray node
(kindred.ray.start_servers), and every env runner's environment one sharded session whose
copies are spread over those servers.

The task: the controlled spins of an 8x8 lattice; each spin's reward is minus its surprise about
its neighbours, so aligning with the precision-weighted neighbours is the good policy (the one
module "shared" plays every spin of every copy).

    python clients/python/examples/ray_rllib.py --iterations 20                 # local Ray
    python clients/python/examples/ray_rllib.py --ray-address auto --env-runners 8  # a cluster
    python clients/python/examples/ray_rllib.py --servers-per-node 2 --iterations 3  # sharding on one machine

Needs ray[rllib] and torch, Java 17 and the server jar on every node (KINDRED_SERVER_JAR or the
repository layout; --jar). Prints the configuration, then one line per iteration with its ETA.
"""
from __future__ import annotations

import argparse
import json
import os
import time

import kindred
import kindred.ray

WORLD = "spin.lattice"
WORLD_CONFIG = {"width": 8, "height": 8, "beta": 0.6, "controlled": [0, 9, 18, 27, 36, 45, 54, 63], "max_steps": 32}
OBSERVATIONS = ["neighbour_spins", "neighbour_precisions", "own_spin"]


def parse(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--iterations", type=int, default=20, help="PPO training iterations")
    p.add_argument("--copies", type=int, default=8, help="world copies per env runner (spread over the servers)")
    p.add_argument("--env-runners", type=int, default=1, help="remote RLlib env runners (0: sample in the driver)")
    p.add_argument("--servers-per-node", type=int, default=1,
                   help="Kindred server actors per Ray node (more than 1 only to try sharding on one machine)")
    p.add_argument("--seed", type=int, default=0, help="seed of the sessions and of RLlib")
    p.add_argument("--ray-address", default=None, help="Ray cluster to join ('auto'); default: start a local one")
    p.add_argument("--num-cpus", type=int, default=None, help="CPUs of a local Ray instance (None: all)")
    p.add_argument("--jar", default=None,
                   help="server jar path on every node (None: KINDRED_SERVER_JAR, else the repository layout)")
    p.add_argument("--batch", type=int, default=2048, help="agent-steps per training batch")
    p.add_argument("--lr", type=float, default=3e-3, help="learning rate")
    return p.parse_args(argv)


def main(argv=None) -> dict:
    """Trains; returns {"returns": episode return mean per iteration, "agent_steps", "seconds",
    "addresses", "module": the trained RLModule} (the servers and RLlib are stopped)."""
    import ray
    from ray.rllib.algorithms.ppo import PPOConfig

    args = parse(argv)
    started_ray = not ray.is_initialized()
    if started_ray:
        ray.init(address=args.ray_address, num_cpus=args.num_cpus, include_dashboard=False, log_to_driver=False)
    servers = kindred.ray.start_servers(per_node=args.servers_per_node, jar=args.jar)
    try:
        env_config = kindred.ray.rllib_env_config(servers.addresses, WORLD, WORLD_CONFIG, num_copies=args.copies,
                                                  seed=args.seed, observations=OBSERVATIONS)
        print(json.dumps({"kindred": kindred.__version__, "ray": ray.__version__, "servers": servers.addresses,
                          "world": WORLD, "world_config": WORLD_CONFIG, "copies": args.copies,
                          "env_runners": args.env_runners, "seed": args.seed, "batch": args.batch, "lr": args.lr}),
              flush=True)
        config = (
            PPOConfig()
            .environment(kindred.ray.register_env(), env_config=env_config)
            .multi_agent(policies={"shared"}, policy_mapping_fn=lambda agent_id, episode, **kw: "shared",
                         count_steps_by="agent_steps")
            .env_runners(num_env_runners=args.env_runners, num_envs_per_env_runner=1)
            .training(train_batch_size_per_learner=args.batch, minibatch_size=256, num_epochs=8, lr=args.lr)
            .debugging(seed=args.seed)
        )
        algo = config.build_algo()
        returns, t0 = [], time.monotonic()
        steps = 0
        try:
            for i in range(args.iterations):
                result = algo.train()
                runners = result["env_runners"]
                returns.append(float(runners.get("episode_return_mean", float("nan"))))
                lifetime = runners["num_agent_steps_sampled_lifetime"]
                steps = sum(lifetime.values()) if isinstance(lifetime, dict) else lifetime
                elapsed = time.monotonic() - t0
                eta = elapsed / (i + 1) * (args.iterations - i - 1)
                print(f"iteration {i + 1}/{args.iterations}: episode return mean {returns[-1]:.1f}, "
                      f"{steps:.0f} agent-steps, {elapsed:.0f} s, ETA {eta:.0f} s", flush=True)
            module = algo.get_module("shared")
        finally:
            algo.stop()
        seconds = time.monotonic() - t0
        print(f"trained: {steps:.0f} agent-steps in {seconds:.1f} s over {len(servers.addresses)} server(s); "
              f"episode return mean {returns[0]:.1f} -> {returns[-1]:.1f}", flush=True)
        return {"returns": returns, "agent_steps": steps, "seconds": seconds, "addresses": list(servers.addresses),
                "module": module}
    finally:
        servers.stop()
        if started_ray:
            ray.shutdown()


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")  # for the env runners Ray starts (RLlib's sampling order)
    main()
