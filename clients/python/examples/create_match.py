#!/usr/bin/env python3
"""Creates a match (a world whose agents are played by several controllers, one per seat) and
prints each seat's join token, with the command that plays it with remote_brain.py.

    ./kindred serve &                                             # a server on localhost:50051
    python clients/python/examples/create_match.py                # seats red [0, 1, 2], blue [3, 4, 5]
    python clients/python/examples/create_match.py --spawn        # start a private server from the jar
    python clients/python/examples/create_match.py --seats '{"a": [0], "b": [1, 2]}' --config '{"agents": 3}'

The match lives while this program runs (Ctrl-C closes it); with --detach the program exits and
the match lives until the server's idle timeout. --json prints one JSON object instead of text
(target, session, seats with agents and tokens), for scripts.
"""
import argparse
import json
import signal
import sys
import threading

import kindred
from kindred.testing import LocalServer

ROOM = {"width": 12, "height": 10, "agents": 6, "altars": 1, "converters": 1, "green_generators": 2,
        "yellow_generators": 1, "walls": 3, "view_size": 5, "kinship": "teams", "groups": 2, "max_steps": 50}


def create(target: str, a: argparse.Namespace) -> None:
    seats = None if a.seat_per_agent else json.loads(a.seats)
    options = kindred.MatchOptions(max_action_time_ms=a.max_action_ms, fallback=a.fallback,
                                   start_before_all_joined=a.start_before_all_joined)
    with kindred.Client(target, timeout=30) as client:
        match = client.create_match(a.world, json.loads(a.config), seats, seat_per_agent=a.seat_per_agent,
                                    options=options, num_copies=a.copies, seed=a.seed, detached=a.detach)
        if a.json:
            print(json.dumps({"target": target, "session": match.session_id,
                              "seats": {g.name: {"agents": list(g.agents), "token": g.token}
                                        for g in match.seats.values()}}), flush=True)
        else:
            print(f"match {match.session_id}: {match.world_id}, copies {match.num_copies}, "
                  f"agents {match.num_agents}, seed {a.seed}")
            for g in match.seats.values():
                print(f"seat {g.name}: agents {list(g.agents)}, token {g.token}")
            print("play the seats (one process each, any machine that reaches the server):")
            for g in match.seats.values():
                print(f"  python clients/python/examples/remote_brain.py --host {target} --session "
                      f"{match.session_id} --seat {g.name} --token {g.token}")
            if not a.detach:
                print("Ctrl-C closes the match.")
            sys.stdout.flush()
        if a.detach:
            return
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            while not stop.wait(1.0):
                pass
        except KeyboardInterrupt:
            pass
        match.close()
        print(f"match closed after {match.close_response.session_steps} steps, "
              f"{match.close_response.episodes} episodes", file=sys.stderr)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--target", default="localhost:50051", help="server address (host:port)")
    p.add_argument("--spawn", action="store_true",
                   help="start a private server from env-server/target/kindred-server.jar (lives while this runs)")
    p.add_argument("--world", default="energy.room")
    p.add_argument("--config", default=json.dumps(ROOM), help="world configuration as JSON")
    p.add_argument("--seats", default='{"red": [0, 1, 2], "blue": [3, 4, 5]}',
                   help="seat name -> world agent indices, as JSON; the seats must partition the agents")
    p.add_argument("--seat-per-agent", action="store_true", help="every agent its own seat (instead of --seats)")
    p.add_argument("--copies", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--max-action-ms", type=int, default=0,
                   help="how long a seat has to submit a step's actions (0: the server's default, 30000)")
    p.add_argument("--fallback", choices=["noop", "random"], default="noop",
                   help="what the agents of a late or absent seat do")
    p.add_argument("--start-before-all-joined", action="store_true",
                   help="step before every seat has joined (absent seats play the fallback)")
    p.add_argument("--detach", action="store_true", help="exit at once, leaving the match open")
    p.add_argument("--json", action="store_true", help="print the match as one JSON object")
    a = p.parse_args()
    if a.spawn and a.detach:
        p.error("--spawn and --detach do not go together: the spawned server stops when this program exits")
    if a.spawn:
        with LocalServer() as server:
            create(server.target, a)
    else:
        create(a.target, a)


if __name__ == "__main__":
    main()
