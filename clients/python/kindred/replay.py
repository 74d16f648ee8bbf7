"""Reads Kindred replay files (docs/replay-format.md): gzip JSON Lines with a header, step lines,
optional state lines, an end line and a ``content_sha256`` trailer.

    from kindred import replay
    r = replay.read("run.replay.jsonl.gz")          # or replay.loads(env.fetch_replay(0))
    r.header["world"], r.seed, len(r.steps), r.end["returns"]

``read``/``loads`` check the container (gzip, one JSON object per line, the header's ``format`` and
``format_version`` and the trailer's hash) and raise :class:`ReplayError` naming the file and the
line where it broke; a file of a newer format version is refused with both versions. The state
itself is left as the file gives it (per-step change lists); reconstructing frames is the viewer's
and the Java ``ReplayReader``'s job.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import os
import zlib
from dataclasses import dataclass, field
from typing import Any, Dict, List, Union

FORMAT = "kindred-replay"
#: the newest format version this reader knows
FORMAT_VERSION = 1

__all__ = ["FORMAT", "FORMAT_VERSION", "Replay", "ReplayError", "loads", "read"]


class ReplayError(ValueError):
    """A replay file that cannot be read: ``source`` (the file), ``line`` (1-based, 0 for the
    container) and what is wrong."""

    def __init__(self, source: str, line: int, message: str):
        self.source, self.line = source, line
        where = f"{source}, line {line}" if line else source
        super().__init__(f"{where}: {message}")


@dataclass
class Replay:
    """One episode of one copy, as the file gives it."""

    source: str
    header: Dict[str, Any]
    #: step lines, in order (``t`` from 1)
    steps: List[Dict[str, Any]] = field(default_factory=list)
    #: state lines (``{"t", "state"}``), in order
    states: List[Dict[str, Any]] = field(default_factory=list)
    end: Dict[str, Any] = field(default_factory=dict)
    content_sha256: str = ""
    compressed_bytes: int = 0

    @property
    def world(self) -> str:
        return self.header["world"]

    @property
    def seed(self) -> int:
        return int(self.header["seed"])

    @property
    def agents(self) -> int:
        return int(self.header["agents"])


def _excerpt(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} characters)"


def loads(data: bytes, source: str = "<bytes>") -> Replay:
    """Parses and checks a replay file's bytes (gzip)."""
    try:
        text = gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as e:
        raise ReplayError(source, 0, f"not a complete gzip file ({e}); the file is truncated or corrupt") from None
    if not text:
        raise ReplayError(source, 0, "empty after decompression")
    if not text.endswith(b"\n"):
        raise ReplayError(source, text.count(b"\n") + 1, "the last line has no newline: the file is truncated")
    raw = text.split(b"\n")[:-1]
    objects = []
    for i, line in enumerate(raw, start=1):
        try:
            o = json.loads(line)
        except (ValueError, UnicodeDecodeError) as e:
            raise ReplayError(source, i, f"not a JSON line ({e}): {_excerpt(line.decode('utf-8', 'replace'))}") \
                from None
        if not isinstance(o, dict):
            raise ReplayError(source, i, f"expected a JSON object, got {type(o).__name__}")
        objects.append(o)
    header = objects[0]
    if header.get("format") != FORMAT:
        raise ReplayError(source, 1, f"not a Kindred replay: the header's format is "
                                     f"{_excerpt(repr(header.get('format')))}, expected '{FORMAT}'")
    version = header.get("format_version")
    if not isinstance(version, int):
        raise ReplayError(source, 1, f"the header's format_version is {_excerpt(repr(version))}, expected an integer")
    if version > FORMAT_VERSION:
        raise ReplayError(source, 1, f"format_version {version} is newer than this reader's {FORMAT_VERSION}; "
                                     "update the kindred package to read it")
    trailer = objects[-1]
    if len(objects) < 3 or set(trailer) != {"content_sha256"}:
        raise ReplayError(source, len(objects), "no content_sha256 trailer after the end line: the file is truncated")
    body = len(text) - len(raw[-1]) - 1  # every byte before the trailer line
    digest = hashlib.sha256(text[:body]).hexdigest()
    if digest != trailer["content_sha256"]:
        raise ReplayError(source, len(objects), f"content hash mismatch: the trailer says "
                                                f"{_excerpt(str(trailer['content_sha256']), 64)}, the content hashes "
                                                f"to {digest}; the file was changed or corrupted")
    r = Replay(source=source, header=header, content_sha256=digest, compressed_bytes=len(data))
    for i, o in enumerate(objects[1:-1], start=2):
        if "end" in o:
            if i != len(objects) - 1:
                raise ReplayError(source, i, "an end line before the last line")
            r.end = o["end"]
        elif "state" in o:
            r.states.append(o)
        elif "t" in o:
            if o["t"] != len(r.steps) + 1:
                raise ReplayError(source, i, f"step {o['t']} after step {len(r.steps)}")
            r.steps.append(o)
        else:
            raise ReplayError(source, i, f"neither a step, a state nor an end line: {_excerpt(json.dumps(o))}")
    if not r.end:
        raise ReplayError(source, len(objects) - 1, "no end line before the trailer")
    return r


def read(path: Union[str, "os.PathLike[str]"]) -> Replay:
    """Reads and checks the replay file at ``path``."""
    with open(path, "rb") as f:
        data = f.read()
    return loads(data, os.fspath(path))
