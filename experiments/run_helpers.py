"""What the results scripts share: run a module as a user would, timed; read its evaluation."""

import json
import os
import subprocess
import sys
import time


def run_module(module: str, args: list, name: str, wrapper: tuple = ()):
    """``python -m module *args`` in a subprocess -> (CompletedProcess, wall seconds).

    ``wrapper``: a command to run it under (e.g. GNU time). Raises RuntimeError with the tail
    of stderr when it fails.
    """
    command = [*wrapper, sys.executable, "-m", module, *args]
    print("$", " ".join(command[len(wrapper) + 1:]), flush=True)
    start = time.time()
    out = subprocess.run(command, capture_output=True, text=True,
                         env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    seconds = time.time() - start
    if out.returncode:
        raise RuntimeError(f"{name} failed:\n{out.stderr[-4000:]}")
    return out, seconds


def final_evaluation(workdir: str) -> dict:
    """The last line of RUN/metrics.jsonl."""
    with open(os.path.join(workdir, "metrics.jsonl")) as f:
        return json.loads(f.readlines()[-1])


TIMINGS_FILE = "timings.json"   # in a results script's --runs: {run name: wall seconds, ...}


def timings(runs_dir: str, update: dict = None) -> dict:
    """RUNS/timings.json as a dict, after merging ``update`` into it (and saving) if given."""
    path = os.path.join(runs_dir, TIMINGS_FILE)
    values = {}
    if os.path.exists(path):
        with open(path) as f:
            values = json.load(f)
    if update:
        values.update(update)
        with open(path, "w") as f:
            json.dump(values, f, indent=2)
    return values
