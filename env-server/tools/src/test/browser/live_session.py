"""A recorded session stepped on command, for the live view's browser test (viewer.test.mjs).

Starts a Kindred server with a token file (the live view sees only the sessions of its own
principal, so the viewer and this client share a token), creates a one-copy energy session that the
server records, resets it and prints one JSON line: {"target", "session", "token", "server_pid"}. Then reads
commands from stdin, one per line, and answers each with one JSON line:

    step   -> {"t": episode step, "energy": [every agent's energy as this client observed it]}
    close  -> {"closed": true}   (the session; the server keeps running)
    quit   -> stops the server and exits

Usage: python live_session.py JAR WORLD_CONFIG_JSON
"""
import json
import os
import secrets
import sys
import tempfile

import numpy as np

from kindred import Client
from kindred.testing import LocalServer


def main() -> None:
    jar, world_config = sys.argv[1], json.loads(sys.argv[2])
    token = secrets.token_hex(24)
    with tempfile.TemporaryDirectory(prefix="kindred-live-") as tmp:
        tokens = os.path.join(tmp, "tokens")
        with open(tokens, "w") as f:
            f.write(f"{token} live-test\n")
        with LocalServer(jar=jar, args=["--token-file", tokens]) as server:
            client = Client(server.target, token=token, timeout=30)
            env = client.make_vector_env("energy.room", world_config, num_copies=1, seed=11, record=[0])
            energy_at = env.observation_infos["globals"].feature_names.index("energy")
            env.reset()
            rng = np.random.default_rng(7)
            t = 0
            print(json.dumps({"target": server.target, "session": env.session_id, "token": token,
                              "server_pid": server.proc.pid}), flush=True)
            for line in sys.stdin:
                cmd = line.strip()
                if cmd == "step":
                    obs, _, _, _, _ = env.step(env.sample_actions(rng))
                    t += 1
                    energy = obs["globals"][0, :, energy_at].astype(float).tolist()
                    print(json.dumps({"t": t, "energy": energy}), flush=True)
                elif cmd == "close":
                    env.close()
                    print(json.dumps({"closed": True}), flush=True)
                elif cmd == "quit":
                    break
            client.close()


if __name__ == "__main__":
    main()
