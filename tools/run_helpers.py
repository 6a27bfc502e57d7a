"""What the results scripts share: run a module as a user would, timed; read its evaluation."""

import json
import os
import subprocess
import sys
import time

import numpy as np


def _cpu_times():
    """Linux's aggregate CPU counters (/proc/stat "cpu" line), or None elsewhere."""
    try:
        with open("/proc/stat") as f:
            return [int(v) for v in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None


def steal_fraction(before, after):
    """Share of CPU time the hypervisor gave to other guests between two ``_cpu_times``
    readings (the 8th counter, "steal"); None when unknown. On a shared VM it slows every
    timed run by about that share."""
    if not before or not after or len(after) < 8:
        return None
    total = sum(after) - sum(before)
    return (after[7] - before[7]) / total if total > 0 else None


last_cpu_steal = None   # steal_fraction over the last run_module call
NOTABLE_CPU_STEAL = 0.02   # above this share, reports say the host slowed the run


def run_module(module: str, args: list, name: str, wrapper: tuple = ()):
    """``python -m module *args`` in a subprocess -> (CompletedProcess, wall seconds).

    ``wrapper``: a command to run it under (e.g. GNU time). Raises RuntimeError with the tail
    of stderr when it fails. Sets ``last_cpu_steal`` and prints it when the host stole CPU.
    """
    global last_cpu_steal
    command = [*wrapper, sys.executable, "-m", module, *args]
    print("$", " ".join(command[len(wrapper) + 1:]), flush=True)
    start, cpu_before = time.time(), _cpu_times()
    out = subprocess.run(command, capture_output=True, text=True,
                         env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    seconds = time.time() - start
    last_cpu_steal = steal_fraction(cpu_before, _cpu_times())
    if last_cpu_steal and last_cpu_steal > NOTABLE_CPU_STEAL:
        print(f"  note: the host stole {100 * last_cpu_steal:.0f}% of the CPU time during "
              f"this run, which slowed it accordingly", flush=True)
    if out.returncode:
        raise RuntimeError(f"{name} failed:\n{out.stderr[-4000:]}")
    return out, seconds


def run_apply(args: list, name: str):
    """``python -m tfgan_image.apply --overwrite *args`` under GNU time -> (wall seconds, peak
    RSS in GB); --overwrite: a rerun replaces the output of the previous one."""
    out, seconds = run_module("tfgan_image.apply", ["--overwrite", *args], name,
                              wrapper=("/usr/bin/time", "-v"))
    peak_kb = int(next(line.split(":")[1] for line in out.stderr.splitlines()
                       if "Maximum resident set size" in line))
    print(f"  {seconds:.1f} s, peak RSS {peak_kb / 1e6:.2f} GB", flush=True)
    return seconds, peak_kb / 1e6


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


SLOW_INTERVAL = 2.0   # a logging interval this many times below the run's median speed


def minutes_by_step(images_per_second: dict, batch_size: int) -> dict:
    """{step: minutes of training up to that step} from {step: images per second over the
    steps since the previous logged step}. An interval slower than the run's median speed
    by more than ``SLOW_INTERVAL`` counts at the median: the process was paused or starved
    (a SIGSTOP, another job on the cores), which is not the recipe's cost."""
    if not images_per_second:
        return {}
    floor = float(np.median(list(images_per_second.values()))) / SLOW_INTERVAL
    minutes, seconds, previous = {}, 0.0, 0
    for step in sorted(images_per_second):
        seconds += (step - previous) * batch_size / max(images_per_second[step], floor)
        minutes[step], previous = seconds / 60, step
    return minutes


def training_minutes_by_step(workdir: str) -> dict:
    """{step: minutes of training up to that step}, from the run's own TensorBoard logs
    (summed over resumed sessions, evaluation time excluded; ``minutes_by_step``): each
    ``perf/images_per_second`` value covers the steps since the one before."""
    import tensorflow as tf

    with open(os.path.join(workdir, "config.json")) as f:
        config = json.load(f)
    points = {}
    folder = os.path.join(workdir, "tensorboard")
    for name in os.listdir(folder) if os.path.isdir(folder) else []:
        for event in tf.compat.v1.train.summary_iterator(os.path.join(folder, name)):
            for value in event.summary.value:
                if value.tag == "perf/images_per_second":
                    points[event.step] = float(tf.make_ndarray(value.tensor))
    return minutes_by_step(points, config["batch_size"])


def training_minutes(workdir: str) -> float:
    """Minutes of training the run took (``training_minutes_by_step`` at its last step)."""
    by_step = training_minutes_by_step(workdir)
    return by_step[max(by_step)] if by_step else 0.0


def print_report(text: str, path: str = "") -> None:
    """Prints a benchmark's Markdown report and, given a ``path`` (its --out), writes it."""
    print("\n" + text)
    if path:
        with open(path, "w") as f:
            f.write(text + "\n")


def write_report(name: str, text: str) -> str:
    """Writes a generated report ``name`` (e.g. "results_mnist.md") beside these scripts and
    says so; returns its path."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), name)
    with open(path, "w") as f:
        f.write(text)
    print(f"Wrote {path}")
    return path


def run_each(names, actions: dict) -> None:
    """Calls ``actions[name]()`` for each name in ``names`` (empty names skipped); a usage
    error listing the known names for any other."""
    from absl import app

    for name in names:
        if name in actions:
            actions[name]()
        elif name:
            raise app.UsageError(f"Unknown run {name!r}; choose from {list(actions)}.")
