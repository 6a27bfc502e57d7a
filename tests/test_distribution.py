"""tf.distribute through the whole training loop: two logical CPUs (mirrored), two worker
processes on localhost (multiworker)."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import REPO_ROOT, random_pixels, run_python
from PIL import Image

MIRRORED_RUN = r"""
import json, sys
from tfgan_image.training import strategy as strategy_lib
strategy_lib.split_cpu(2)
from tfgan_image import mnist, export
config = mnist.MnistConfig(
    workdir=sys.argv[1], model="mlp", steps=int(sys.argv[2]), batch_size=16, eval_samples=64,
    log_every=1, sample_every=2, checkpoint_every=2, latent_dim=16, strategy="mirrored",
    units=16)
result = mnist.run(config)
exported = export.load_generator(sys.argv[1]).get_weights()
ema = result["trainer"].ema_generator.get_weights()
print("RESULT", json.dumps({
    "step": result["step"], "replicas": result["trainer"].strategy.num_replicas_in_sync,
    "exported_is_ema": all(bool((a == b).all()) for a, b in zip(exported, ema)),
    "fd": result["metrics"]["frechet_distance"]}))
"""


def result_line(stdout):
    return json.loads(next(line for line in stdout.splitlines()
                           if line.startswith("RESULT "))[7:])


@pytest.mark.slow
def test_mirrored_strategy_trains_checkpoints_resumes_and_exports(tmp_path):
    """--strategy=mirrored over two logical CPUs through the whole loop, twice (a resume)."""
    first = run_python(MIRRORED_RUN, str(tmp_path), "3", timeout=900)
    assert first.returncode == 0, first.stderr[-3000:]
    assert result_line(first.stdout) | {"fd": 0} == {
        "step": 3, "replicas": 2, "exported_is_ema": True, "fd": 0}
    second = run_python(MIRRORED_RUN, str(tmp_path), "5", timeout=900)
    assert second.returncode == 0, second.stderr[-3000:]
    assert f"Resumed from {tmp_path / 'checkpoints' / 'ckpt-3'} at step 3" in second.stdout
    result = result_line(second.stdout)
    assert result["step"] == 5 and result["exported_is_ema"] and result["fd"] > 0
    assert (tmp_path / "checkpoints" / "ckpt-5.index").exists()


MULTIWORKER_RUN = r"""
import json, os, sys
import numpy as np
from tfgan_image.training import strategy as strategy_lib
strategy = strategy_lib.make_strategy("multiworker")   # first, as TensorFlow requires
from tfgan_image import mnist
config = mnist.MnistConfig(
    workdir=sys.argv[1], model="mlp", steps=int(sys.argv[2]), batch_size=8, log_every=1,
    sample_every=2, checkpoint_every=2, latent_dim=16, strategy="multiworker",
    data="folder:" + sys.argv[3], units=16)
result = mnist.run(config)
weights = result["trainer"].generator.get_weights()
print("RESULT", json.dumps({
    "chief": strategy_lib.is_chief(strategy), "step": result["step"],
    "replicas": strategy.num_replicas_in_sync, "workdir": result["paths"]["workdir"],
    "weights": [float(np.sum(np.abs(w), dtype=np.float64)) for w in weights]}), flush=True)
"""


def free_ports(count):
    import socket

    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def run_two_workers(workdir, steps, data):
    ports = free_ports(2)
    cluster = {"worker": [f"127.0.0.1:{port}" for port in ports]}
    processes = [subprocess.Popen(
        [sys.executable, "-c", MULTIWORKER_RUN, str(workdir), str(steps), str(data)],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "TF_CONFIG": json.dumps(
            {"cluster": cluster, "task": {"type": "worker", "index": index}})})
        for index in range(2)]
    outputs = [p.communicate(timeout=900) for p in processes]
    for process, (_, err) in zip(processes, outputs):
        assert process.returncode == 0, err[-3000:]
    return [(result_line(out), out) for out, _ in outputs]


@pytest.mark.slow
def test_multiworker_two_processes_agree_and_only_the_chief_writes(tmp_path):
    data = tmp_path / "digits"
    data.mkdir()
    for i in range(16):   # under 20 files: none held out, so no evaluation (tiny and fast)
        Image.fromarray(random_pixels((28, 28), seed=i)).save(data / f"{i}.png")
    workdir = tmp_path / "run"
    for steps in (4, 6):   # a run, then its resume
        (chief, chief_out), (worker, worker_out) = run_two_workers(workdir, steps, data)
        assert chief["chief"] and not worker["chief"]
        assert chief["step"] == worker["step"] == steps and chief["replicas"] == 2
        np.testing.assert_allclose(chief["weights"], worker["weights"], rtol=1e-6)
        assert chief["workdir"] == str(workdir) and worker["workdir"] != str(workdir)
        assert not os.path.exists(worker["workdir"])   # the other worker's scratch is gone
    checkpoint_folder = workdir / "checkpoints"
    assert f"Resumed from {checkpoint_folder / 'ckpt-4'} at step 4" in worker_out
    assert sorted(p.name for p in checkpoint_folder.glob("*.index")) == [
        "ckpt-2.index", "ckpt-4.index", "ckpt-6.index"]
    assert len(list((workdir / "tensorboard").iterdir())) == 2   # one events file per run


MULTIWORKER_UNTIL_STOPPED = MULTIWORKER_RUN.replace(
    "result = mnist.run(config)",
    "from tfgan_image.training.loop import TrainingInterrupted\n"
    "try:\n"
    "    result = mnist.run(config)\n"
    "except TrainingInterrupted as stopped:\n"
    "    print(str(stopped), file=sys.stderr, flush=True)\n"
    "    sys.exit(stopped.exit_code)")


@pytest.mark.slow
def test_sigterm_to_one_worker_saves_every_worker_at_one_step_and_the_run_resumes(tmp_path):
    """A scheduler stops one machine of a multi-worker job (here the non-chief): every worker
    stops after the same step, the chief saves that step's checkpoint (a save is collective),
    both exit with 143 and one line each, and the same command resumes."""
    import signal
    import time

    data = tmp_path / "digits"
    data.mkdir()
    for i in range(16):
        Image.fromarray(random_pixels((28, 28), seed=i)).save(data / f"{i}.png")
    workdir = tmp_path / "run"
    ports = free_ports(2)
    cluster = {"worker": [f"127.0.0.1:{port}" for port in ports]}
    processes = [subprocess.Popen(
        [sys.executable, "-c", MULTIWORKER_UNTIL_STOPPED, str(workdir), "100000", str(data)],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "TF_CONFIG": json.dumps(
            {"cluster": cluster, "task": {"type": "worker", "index": index}})})
        for index in range(2)]
    deadline = time.time() + 600
    while not (workdir / "checkpoints" / "ckpt-4.index").exists():   # training is under way
        assert time.time() < deadline and all(p.poll() is None for p in processes)
        time.sleep(0.2)
    processes[1].send_signal(signal.SIGTERM)
    outputs = [p.communicate(timeout=600) for p in processes]
    assert [p.returncode for p in processes] == [143, 143], [e[-2000:] for _, e in outputs]
    lines = [[line for line in err.splitlines() if line.startswith("SIGTERM: ")]
             for _, err in outputs]
    assert [len(found) for found in lines] == [1, 1], lines
    saved = lines[0][0].split("saved ")[1].split(";")[0]
    assert os.path.exists(saved + ".index") and os.path.dirname(saved) == str(
        workdir / "checkpoints")
    assert f"the chief saved {saved};" in lines[1][0]   # the same step on both workers
    stopped_at = int(saved.rsplit("-", 1)[1])
    (chief, chief_out), (worker, _) = run_two_workers(workdir, stopped_at + 2, data)
    assert chief["step"] == worker["step"] == stopped_at + 2
    assert f"Resumed from {saved} at step {stopped_at}" in chief_out
