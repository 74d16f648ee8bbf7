"""Starting a Kindred server from Python (for tests, benchmarks and examples).

    with LocalServer() as server:            # java -jar kindred-server.jar serve --port 0
        client = kindred.Client(server.target)

``LocalServer(main_class=...)`` runs another entry point of the jar instead of ``serve`` (e.g.
the test-only ``dev.kindred.crosslang.SecureTestServer``, which takes TLS and token settings).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
import time
from collections import deque
from pathlib import Path
from typing import Optional, Sequence

_LISTENING = re.compile(r"listening on \S*?:(\d+)")


def find_server_jar() -> Path:
    """``$KINDRED_SERVER_JAR``, else ``env-server/target/kindred-server.jar`` of the repository
    this package (or the current directory) lives in."""
    env = os.environ.get("KINDRED_SERVER_JAR")
    if env:
        return Path(env)
    starts = [Path.cwd(), Path(__file__).resolve().parent]
    for start in starts:
        for d in [start, *start.parents]:
            jar = d / "env-server" / "target" / "kindred-server.jar"
            if jar.is_file():
                return jar
    raise FileNotFoundError(
        "kindred-server.jar not found: build it with './kindred build' at the repository root, "
        "or set KINDRED_SERVER_JAR"
    )


class LocalServer:
    """A Kindred server in a child process (``java -jar ... serve --port 0``).

    The server picks a free port and logs ``listening on HOST:PORT`` on stderr; the port is
    parsed from that line. ``stop()`` (or leaving the ``with`` block) terminates it.
    """

    def __init__(self, jar: Optional[os.PathLike] = None, args: Sequence[str] = (), java: Optional[str] = None,
                 startup_timeout: float = 120.0, java_opts: Sequence[str] = (), main_class: Optional[str] = None):
        self.jar = Path(jar) if jar else find_server_jar()
        self.main_class = main_class
        self.args = list(args)
        self.java = java or shutil.which("java") or "java"
        self.startup_timeout = startup_timeout
        self.java_opts = list(java_opts)
        self.proc: Optional[subprocess.Popen] = None
        self.port: Optional[int] = None
        self.log: deque = deque(maxlen=400)

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> "LocalServer":
        entry = ["-cp", str(self.jar), self.main_class] if self.main_class else ["-jar", str(self.jar), "serve"]
        cmd = [self.java, *self.java_opts, *entry, "--port", "0", "--host", "127.0.0.1", *self.args]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, errors="replace")
        found = threading.Event()

        def pump():
            for line in self.proc.stdout:
                self.log.append(line.rstrip("\n"))
                if self.port is None:
                    m = _LISTENING.search(line)
                    if m:
                        self.port = int(m.group(1))
                        found.set()
            found.set()  # process ended

        threading.Thread(target=pump, name="kindred-server-log", daemon=True).start()
        deadline = time.monotonic() + self.startup_timeout
        while not found.wait(0.1):
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the Kindred server did not start within {self.startup_timeout} s:\n" + self.tail())
        if self.port is None:
            code = self.proc.wait()
            raise RuntimeError(f"the Kindred server exited with code {code} before listening:\n" + self.tail())
        return self

    def tail(self, n: int = 40) -> str:
        return "\n".join(list(self.log)[-n:])

    def stop(self, timeout: float = 10.0) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)

    def __enter__(self) -> "LocalServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
