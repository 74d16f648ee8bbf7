"""kindred.ray: Kindred server actors on a local Ray instance (2 CPUs), sharded RLlib environments
over them, and the RLlib PPO example across the "cluster"."""
from __future__ import annotations

import importlib.util
import os
import pickle
import socket
import time
from pathlib import Path

import numpy as np
import pytest

import kindred
import kindred.ray

from conftest import CONFIG, OBSERVATIONS, WORLD, evaluate, random_policy, rllib_policy

SHORT = {**CONFIG, "max_steps": 4}
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "ray_rllib.py"


@pytest.fixture(scope="module")
def ray_instance():
    import ray

    # Ray itself kills a dead worker's child processes by default; switched off here, so that the
    # tests show the server actors' own clean-up (the parent-death signal), which must also hold
    # where that Ray feature is off or absent.
    key = "RAY_kill_child_processes_on_worker_exit"
    before = os.environ.get(key)
    os.environ[key] = "false"
    try:
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
        yield ray
    finally:
        ray.shutdown()
        if before is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = before


def answers(address: str) -> bool:
    host, port = address.rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=1):
            return True
    except OSError:
        return False


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # a zombie still answers kill(0): it has exited, its parent has not reaped it yet
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z"
    except OSError:
        return True


def wait_until(condition, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def test_one_server_per_node_serves_and_stops(ray_instance):
    servers = kindred.ray.start_servers()
    assert len(servers.addresses) == len([n for n in ray_instance.nodes() if n["Alive"]]) == 1
    info = ray_instance.get(servers.actors[0].info.remote())
    assert info["running"] and info["address"] == servers.addresses[0]
    with kindred.Client(servers.addresses[0]) as client:
        env = client.make_vector_env(WORLD, SHORT, num_copies=2, seed=1)
        env.reset()
        env.close()
    servers.stop()
    assert wait_until(lambda: not answers(info["address"]) and gone(info["pid"])), info


def test_two_server_actors_on_one_node_shard_bit_identically(ray_instance, server_target):
    with kindred.ray.start_servers(per_node=2) as servers:
        assert len(set(servers.addresses)) == 2
        config = kindred.ray.rllib_env_config(servers.addresses, WORLD, SHORT, num_copies=5, seed=3,
                                              observations=OBSERVATIONS)
        sharded = kindred.ray.env_creator(config)
        one = kindred.RLlibMultiAgentEnv({**config, "address": server_target})
        assert [s.target for s in sharded.vector_env.shards] == servers.addresses
        assert [s.copies for s in sharded.vector_env.shards] == [3, 2]
        copy = pickle.loads(pickle.dumps(sharded))  # how RLlib ships an env: its recipe, reopened
        rng = np.random.default_rng(0)
        for env in (sharded, one, copy):
            env.reset(seed=11)
        for t in range(3 * SHORT["max_steps"]):
            if t % SHORT["max_steps"] == 0 and t:
                outs = [env.reset() for env in (sharded, one, copy)]
                for out in outs[1:]:
                    assert outs[0][0].keys() == out[0].keys()
                    for k in out[0]:
                        np.testing.assert_array_equal(outs[0][0][k], out[0][k])
            actions = {a: int(rng.integers(0, 2)) for a in sharded.agents}
            outs = [env.step(actions) for env in (sharded, one, copy)]
            for out in outs[1:]:
                for a, b in zip(outs[0], out):
                    assert a.keys() == b.keys()
                    for k in a:
                        np.testing.assert_array_equal(a[k], b[k])
        for env in (sharded, one, copy):
            env.close()
        # the other batched adapters take several servers the same way
        two, single = (kindred.SB3VecEnv(where, WORLD, SHORT, num_copies=3, seed=4, observations=OBSERVATIONS)
                       for where in (",".join(servers.addresses), server_target))
        assert [s.copies for s in two.vector_env.shards] == [2, 1]
        np.testing.assert_array_equal(two.reset(), single.reset())
        two.close()
        single.close()


def test_killing_the_actor_kills_its_server(ray_instance):
    servers = kindred.ray.start_servers()
    info = ray_instance.get(servers.actors[0].info.remote())
    assert answers(info["address"])
    ray_instance.kill(servers.actors[0])  # SIGKILL of the actor's worker: no Python clean-up runs
    assert wait_until(lambda: not answers(info["address"]) and gone(info["pid"])), info


def load_example():
    spec = importlib.util.spec_from_file_location("ray_rllib_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_example_trains_ppo_over_two_servers(ray_instance, server_target):
    """The example, on this Ray instance: 2 server actors, one remote env runner whose 8 copies are
    sharded 4 + 4, a few PPO iterations; the trained policy beats random play on the task with
    common random numbers (see test_rllib for the full-length learning test)."""
    import torch

    torch.set_num_threads(1)
    iterations = int(os.environ.get("KINDRED_RAY_ITERATIONS", 12))
    out = load_example().main(["--iterations", str(iterations), "--servers-per-node", "2", "--env-runners", "1",
                               "--copies", "8"])
    assert len(out["addresses"]) == 2 and len(out["returns"]) == iterations
    module = out["module"]

    act = rllib_policy(module)

    torch.manual_seed(0)
    trained, trained_se = evaluate(server_target, act)
    rand, rand_se = evaluate(server_target, random_policy())
    print(f"Ray PPO example: {out['agent_steps']:.0f} agent-steps in {out['seconds']:.1f} s; reward/step random "
          f"{rand:.3f}±{rand_se:.3f}, trained {trained:.3f}±{trained_se:.3f}; returns {out['returns']}")
    assert trained > rand + 4 * np.hypot(trained_se, rand_se), (rand, trained)


def test_ray_shutdown_leaves_no_server(ray_instance):
    """Last in this file: shutting Ray down ends the actors' workers, and their servers with them."""
    servers = kindred.ray.start_servers(per_node=2)
    infos = ray_instance.get([a.info.remote() for a in servers.actors])
    ray_instance.shutdown()
    for info in infos:
        assert wait_until(lambda: not answers(info["address"]) and gone(info["pid"])), info
