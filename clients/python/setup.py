"""Build hook: generates kindred/v1/*_pb2*.py from the repository's proto/ with grpcio-tools.

Nothing generated is committed. The .proto files are looked up, in order, in
  $KINDRED_PROTO_DIR, the repository's proto/ (../../proto from here), and ./proto
  (the copy that an sdist carries).
"""
import os
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

HERE = Path(__file__).resolve().parent
PROTOS = ["kindred/v1/spec.proto", "kindred/v1/env_service.proto"]


def proto_root() -> Path:
    candidates = [os.environ.get("KINDRED_PROTO_DIR"), HERE.parent.parent / "proto", HERE / "proto"]
    for c in candidates:
        if c and all((Path(c) / p).is_file() for p in PROTOS):
            return Path(c)
    raise RuntimeError(
        "kindred: cannot find the .proto files (looked in $KINDRED_PROTO_DIR, "
        f"{HERE.parent.parent / 'proto'} and {HERE / 'proto'}); build from the Kindred repository "
        "or set KINDRED_PROTO_DIR to its proto/ folder"
    )


def generate(out: Path) -> None:
    import grpc_tools
    from grpc_tools import protoc

    root = proto_root()
    well_known = Path(grpc_tools.__file__).parent / "_proto"
    args = [
        "grpc_tools.protoc",
        f"-I{root}",
        f"-I{well_known}",
        f"--python_out={out}",
        f"--grpc_python_out={out}",
    ] + [str(root / p) for p in PROTOS]
    if protoc.main(args) != 0:
        raise RuntimeError(f"kindred: protoc failed on {root}")


class BuildPyWithProtos(build_py):
    def run(self):
        generate(HERE)  # into the source tree (gitignored), so that editable installs work too
        super().run()


class SdistWithProtos(sdist):
    def run(self):
        root = proto_root()
        dst = HERE / "proto"
        if root.resolve() != dst.resolve():
            shutil.rmtree(dst, ignore_errors=True)
            for p in PROTOS:
                (dst / p).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(root / p, dst / p)
        super().run()


setup(cmdclass={"build_py": BuildPyWithProtos, "sdist": SdistWithProtos})
