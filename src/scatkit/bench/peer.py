"""The peer (Kymatio 0.3.0) side of the benchmark: an isolated environment and
a persistent worker process that times Kymatio on the inputs we give it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

#: what the isolated environment holds (Kymatio 0.3.0 does not import with SciPy >= 1.17)
PEER_REQUIREMENTS = ("kymatio==0.3.0", "scipy<1.17", "torch==2.13.0")
#: name of the environment folder, created next to the repository
PEER_ENV_NAME = ".venv-kymatio"
WORKER = Path(__file__).with_name("_kymatio_worker.py")


def repo_root() -> Path:
    """The repository holding this (editable) install, else the working directory."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").exists():
            return parent
    return Path.cwd()


def default_env_path() -> Path:
    return repo_root() / PEER_ENV_NAME


def env_python(env: Path) -> Path:
    return env / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def peer_works(env: Path) -> bool:
    py = env_python(env)
    if not py.exists():
        return False
    res = subprocess.run([str(py), "-c", "import kymatio, torch, scipy"], capture_output=True)
    return res.returncode == 0


def ensure_peer_env(env: Path | None = None, log=print) -> Path:
    """Create (once) the isolated environment with :data:`PEER_REQUIREMENTS`.

    Uses ``python3 -m venv`` and pip; an environment that already imports
    Kymatio is reused as it is.
    """
    env = Path(env) if env is not None else default_env_path()
    if peer_works(env):
        return env
    log(f"creating the peer environment {env} ({', '.join(PEER_REQUIREMENTS)}) ...")
    subprocess.run([sys.executable, "-m", "venv", str(env)], check=True)
    subprocess.run([str(env_python(env)), "-m", "pip", "install", "--quiet", *PEER_REQUIREMENTS],
                   check=True)
    if not peer_works(env):
        raise RuntimeError(f"the peer environment {env} was created but does not import kymatio")
    return env


class PeerWorker:
    """A persistent Kymatio process (see ``_kymatio_worker.py``), driven by JSON lines."""

    def __init__(self, env: Path | None, threads: int, python: str | None = None):
        """Start the worker with ``env``'s Python, or with ``python`` (an
        interpreter that already imports Kymatio 0.3.0 and PyTorch) when given."""
        exe = str(python) if python is not None else str(env_python(env))
        self.proc = subprocess.Popen([exe, str(WORKER)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, bufsize=1)
        self.call("threads", n=threads)

    def call(self, cmd: str, **kw) -> dict:
        self.proc.stdin.write(json.dumps({"cmd": cmd, **kw}) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the Kymatio worker exited unexpectedly")
        reply = json.loads(line)
        if not reply.get("ok"):
            raise RuntimeError(f"Kymatio worker: {reply.get('error')}")
        return reply

    def close(self):
        try:
            self.call("quit")
        except Exception:
            pass
        self.proc.wait(timeout=30)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
