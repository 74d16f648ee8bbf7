#!/usr/bin/env python3
"""The floor under any synchronous request/answer on this machine: a plain socket ping-pong.

A child process answers every 1-byte request with SIZE bytes, over loopback TCP (TCP_NODELAY) and
a Unix socket; the parent times each round trip and prints the median. Run it as is (the two
processes go wherever the scheduler puts them, on a 2-vCPU VM usually one on each) and under
``taskset -c 0`` (both on one vCPU) to see what a thread wake-up across vCPUs costs here
(docs/benchmarks.md, "Where a streamed S1 Step's time goes").
"""
from __future__ import annotations

import argparse
import os
import socket
import statistics
import tempfile
import time


def round_trips(kind: str, size: int, count: int) -> float:
    """Median round trip in microseconds."""
    if kind == "uds":
        path = os.path.join(tempfile.mkdtemp(prefix="kindred-pingpong-"), "s")
        server = socket.socket(socket.AF_UNIX)
        server.bind(path)
        address = path
    else:
        server = socket.socket()
        server.bind(("127.0.0.1", 0))
        address = server.getsockname()
    server.listen(1)
    pid = os.fork()
    if pid == 0:
        conn, _ = server.accept()
        if kind == "tcp":
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        answer = bytes(size)
        while conn.recv(64):
            conn.sendall(answer)
        os._exit(0)
    client = socket.socket(socket.AF_UNIX if kind == "uds" else socket.AF_INET)
    client.connect(address)
    if kind == "tcp":
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    buffer = memoryview(bytearray(size))
    times = []
    for _ in range(count):
        t = time.perf_counter()
        client.send(b"x")
        got = 0
        while got < size:
            got += client.recv_into(buffer[got:])
        times.append(time.perf_counter() - t)
    client.close()
    os.waitpid(pid, 0)
    server.close()
    return statistics.median(times) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100,105000", help="answer sizes in bytes, comma-separated (default 100,105000)")
    parser.add_argument("--count", type=int, default=3000, help="round trips per row (default 3000)")
    parser.add_argument("--rounds", type=int, default=2, help="alternated rounds of TCP and Unix socket (default 2)")
    args = parser.parse_args()
    for size in (int(s) for s in args.sizes.split(",")):
        for r in range(args.rounds):
            for kind in ("tcp", "uds"):
                print(f"{kind:3s} answer {size:7d} B  round {r + 1}: median round trip "
                      f"{round_trips(kind, size, args.count):6.1f} us", flush=True)


if __name__ == "__main__":
    main()
