"""Start-up time of ``dawna`` commands that need no database (issue 23 item 2).

Each command runs ``--repeat`` times as a subprocess of the project's interpreter
(``python -m dawna.cli ...``); the script prints, per command, the best wall time and the best
CPU time (user + system of the child, from ``resource.getrusage``), which depends less on the
other load of a shared machine. ``--code DIR`` runs the ``dawna/`` held in DIR (the children
start in DIR, which comes first on their ``sys.path``), e.g. an older version for the figure
before a change. Run from the repository root::

    git archive main dawna | tar -x -C /tmp/before      # the code before, if wanted
    .venv/bin/python bench/cli_startup.py [--repeat 10] [--code /tmp/before] [--json]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

COMMANDS: list[list[str]] = [
    ["-c", "pass"],
    ["-m", "dawna.cli", "--help"],
    ["-m", "dawna.cli", "ctcae", "ANC", "0.8", "10^9/L"],
    ["-m", "dawna.cli", "calendar", "--regimen", "A:letrozole", "--start", "2024-03-01",
     "--cycles", "1"],
    ["-m", "dawna.cli", "protocol", "--help"],
    ["-m", "dawna.cli", "screen", "--help"],
    ["-m", "dawna.cli", "recist", "--help"],
    ["-m", "dawna.cli", "simulate", "--help"],
]


def measure(args: list[str], repeat: int, code: Path) -> tuple[float, float]:
    """Best wall time and best CPU time (seconds) of ``python ARGS`` over ``repeat`` runs, started
    in ``code`` (the folder holding ``dawna/``)."""
    walls, cpus = [], []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run([sys.executable, *args], capture_output=True, check=False,
                              cwd=code)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(args)} failed: {done.stderr.decode()[-500:]}")
    return min(walls), min(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--code", type=Path, default=ROOT,
                        help="the folder holding the dawna/ to run (default: this repository)")
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()
    code = options.code.resolve()
    if not (code / "dawna" / "cli").is_dir():
        raise SystemExit(f"no dawna/cli in {code}")
    rows = []
    for args in COMMANDS:
        wall, cpu = measure(args, options.repeat, code)
        label = "python -c pass" if args[0] == "-c" else "dawna " + " ".join(args[2:])
        rows.append({"command": label, "best_wall_s": round(wall, 3), "best_cpu_s": round(cpu, 3)})
    if options.json:
        print(json.dumps({"code": str(code), "commands": rows}, indent=2))
        return
    print(f"code: {code}")
    for r in rows:
        print(f"{r['command']:<70} wall {r['best_wall_s']:6.3f} s   cpu {r['best_cpu_s']:6.3f} s")


if __name__ == "__main__":
    main()
