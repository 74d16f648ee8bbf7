"""Kindred: Python client of the Kindred environment server (kindred.v1 over gRPC).

    import kindred
    with kindred.Client("localhost:50051") as client:
        env = client.make_vector_env("spin.lattice", {"controlled": [0, 9]}, num_copies=8, seed=1)
        obs, info = env.reset()
        obs, rewards, terminated, truncated, info = env.step(env.sample_actions())

``kindred.ParallelEnv`` (PettingZoo) and ``kindred.GymEnv`` (Gymnasium) wrap one copy.
"""
from ._client import PROTOCOL, Client, VectorEnv, __version__
from ._errors import KindredError
from ._spec import TensorInfo

__all__ = ["Client", "VectorEnv", "ParallelEnv", "GymEnv", "GymVectorEnv", "KindredError", "TensorInfo",
           "PROTOCOL", "__version__"]


def __getattr__(name):  # lazy: pettingzoo is an optional dependency
    if name == "ParallelEnv":
        try:
            from .pettingzoo_env import ParallelEnv
        except ModuleNotFoundError as e:
            if e.name != "pettingzoo":
                raise
            raise ModuleNotFoundError(
                "kindred.ParallelEnv needs PettingZoo: pip install 'kindred[pettingzoo]' (or pip install pettingzoo)",
                name="pettingzoo",
            ) from None
        return ParallelEnv
    if name == "GymEnv":
        from .gym_env import GymEnv

        return GymEnv
    if name == "GymVectorEnv":
        from .gym_vector_env import GymVectorEnv

        return GymVectorEnv
    raise AttributeError(f"module 'kindred' has no attribute {name!r}")
