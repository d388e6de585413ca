#!/usr/bin/env python3
"""photofeed's two commands, for a fresh clone with nothing but Python 3.11+:

    python3 run.py serve [--demo] [photofeed serve options]
                                                     start the service on http://127.0.0.1:8000
                                                     (--demo: first fill an empty instance
                                                     with demo people and photos)
    python3 run.py test  [pytest options]            lint, type-check and run every test

Both create .venv on first use and install the pinned dependencies into it; later runs
reinstall only when pyproject.toml or constraints.txt changed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".photofeed-installed"


def _wanted_stamp() -> str:
    digest = hashlib.sha256()
    for name in ("pyproject.toml", "constraints.txt"):
        digest.update((ROOT / name).read_bytes())
    return digest.hexdigest()


def ensure_environment() -> None:
    """Create the virtual environment and install what the project pins, once."""
    if sys.version_info < (3, 11):
        sys.exit(f"photofeed needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    wanted = _wanted_stamp()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not (BIN / "python").exists() and not (BIN / "python.exe").exists():
        print("creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("installing dependencies into .venv ...", flush=True)
    pip = [str(BIN / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "-c", str(ROOT / "constraints.txt"), "-e", f"{ROOT}[dev]"],
                   check=True)
    STAMP.write_text(wanted)


def _run(*command: str) -> int:
    """Run a command to its end and give its exit status.

    Ctrl-C reaches the command as well (they share the terminal's process group), and it
    stops in its own way: a server finishes what is in flight. The launcher waits for
    that, instead of leaving at once with a traceback.
    """
    child = subprocess.Popen(list(command), cwd=ROOT)
    while True:
        try:
            return child.wait()
        except KeyboardInterrupt:
            continue


def test(args: list[str]) -> int:
    for check in ((str(BIN / "ruff"), "check", "src", "tests", "bench", "run.py"),
                  (str(BIN / "mypy"),),
                  (str(BIN / "mypy"), "bench"),
                  (str(BIN / "lint-imports"),)):
        print("$", Path(check[0]).name, *check[1:], flush=True)
        if _run(*check) != 0:
            return 1
    # The suite waits on databases, servers and a browser more than on the CPU, so three
    # processes finish it in about half the time even on two cores.
    parallel = [] if any(a.startswith(("-n", "--numprocesses")) for a in args) else ["-n", "3"]
    return _run(str(BIN / "pytest"), *parallel, *args)


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in ("serve", "test"):
        print(__doc__)
        return 2
    ensure_environment()
    command, rest = sys.argv[1], sys.argv[2:]
    if command == "test":
        return test(rest)
    return serve(rest)


def serve(args: list[str]) -> int:
    if "--demo" in args:
        args = [a for a in args if a != "--demo"]
        shared = _data_options(args)
        if _run(str(BIN / "photofeed"), "seed", "--if-empty", *shared) != 0:
            return 1
    return _run(str(BIN / "photofeed"), "serve", *args)


def _data_options(args: list[str]) -> list[str]:
    """The options naming where data lives, which the seed needs to match the server."""
    picked: list[str] = []
    for i, arg in enumerate(args):
        for name in ("--data-dir", "--database-url"):
            if arg == name and i + 1 < len(args):
                picked += [arg, args[i + 1]]
            elif arg.startswith(name + "="):
                picked.append(arg)
    return picked


if __name__ == "__main__":
    sys.exit(main())
