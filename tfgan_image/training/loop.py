"""The outer training loop: resume, step, log, sample, checkpoint, evaluate.

Shared by every experiment. A run directory is always resumable: checkpoints are written by
``tf.train.CheckpointManager`` (data first, then an atomic rename of the index file, so a
crash never leaves a half-written checkpoint visible), every ``checkpoint_every`` steps, every
``checkpoint_seconds`` seconds, at the end, and on Ctrl-C.
"""

import dataclasses
import math
import os
import time
from typing import Callable, Dict, Optional

import numpy as np
import tensorflow as tf

from tfgan_image.runlog import RunLog
from tfgan_image.training.trainer import GANTrainer, NonFiniteLossError


@dataclasses.dataclass(frozen=True)
class LoopSettings:
    steps: int
    batch_size: int              # global batch, for images/second
    log_every: int = 50
    sample_every: int = 500
    checkpoint_every: int = 1000
    checkpoint_seconds: float = 120.0
    eval_every: int = 0          # 0: evaluate only at the end
    max_checkpoints: int = 3


def checkpoint_manager(trainer: GANTrainer, workdir: str,
                       max_to_keep: int = 3) -> tf.train.CheckpointManager:
    return tf.train.CheckpointManager(trainer.checkpoint(), os.path.join(workdir, "checkpoints"),
                                      max_to_keep=max_to_keep)


def restore_latest(trainer: GANTrainer, manager: tf.train.CheckpointManager) -> int:
    """Restores the newest checkpoint if there is one; returns the step to continue from."""
    if manager.latest_checkpoint:
        manager.checkpoint.restore(manager.latest_checkpoint).assert_existing_objects_matched()
        print(f"Resumed from {manager.latest_checkpoint} at step {int(trainer.step)}.",
              flush=True)
    return int(trainer.step)


def generate(generator, inputs, batch_size: int = 500) -> np.ndarray:
    """Runs ``generator`` in inference mode over ``inputs`` [N, ...] in batches -> numpy."""
    inputs = np.asarray(inputs)
    return np.concatenate([np.asarray(generator(inputs[i:i + batch_size], training=False))
                           for i in range(0, len(inputs), batch_size)])


def fit(trainer: GANTrainer, dataset_for_step: Callable[[int], tf.data.Dataset], workdir: str,
        settings: LoopSettings, sample_inputs: Optional[np.ndarray] = None,
        evaluate: Optional[Callable] = None, runlog: Optional[RunLog] = None,
        on_checkpoint: Optional[Callable[[], None]] = None) -> Dict:
    """Trains until ``settings.steps`` (resuming from ``workdir``), then evaluates.

    Args:
      dataset_for_step: start step -> training dataset (seed its shuffle with the step so a
        resumed run does not replay the same order).
      sample_inputs: fixed generator inputs for the sample grids (e.g. 64 latents).
      evaluate: sampling generator -> {metric: value}; run every ``eval_every`` steps and at
        the end, written to TensorBoard and metrics.jsonl.
      on_checkpoint: called after every checkpoint save (e.g. to export the generator).

    Returns: {"step", "metrics" (the final evaluation), "samples" (last grid path),
    "checkpoint" (last checkpoint path), "images_per_second"}.
    """
    from tqdm.auto import tqdm

    runlog = runlog or RunLog(workdir)
    manager = checkpoint_manager(trainer, workdir, settings.max_checkpoints)
    step = restore_latest(trainer, manager)
    iterator = trainer.distribute(dataset_for_step(step))
    result = {"metrics": {}, "samples": None, "checkpoint": manager.latest_checkpoint,
              "images_per_second": float("nan")}

    saved_step = step if manager.latest_checkpoint else None

    def save():
        nonlocal saved_step
        if saved_step != int(trainer.step):
            result["checkpoint"] = manager.save(checkpoint_number=int(trainer.step))
            saved_step = int(trainer.step)
            if on_checkpoint is not None:
                on_checkpoint()
        return result["checkpoint"]

    def write_samples(at_step):
        if sample_inputs is not None:
            result["samples"] = runlog.sample_grid(
                at_step, generate(trainer.sampling_generator, sample_inputs))

    def run_evaluation(at_step):
        if evaluate is not None:
            result["metrics"] = evaluate(trainer.sampling_generator)
            runlog.evaluation(at_step, result["metrics"])
            return ", ".join(f"{k} {v:.4g}" for k, v in result["metrics"].items())

    last_save = time.time()
    window_start, window_steps = time.perf_counter(), 0
    bar = tqdm(total=settings.steps, initial=min(step, settings.steps), unit="step",
               desc=os.path.basename(os.path.normpath(workdir)), dynamic_ncols=True,
               mininterval=1.0)
    try:
        while step < settings.steps:
            logs = {k: float(v) for k, v in trainer.train_step(iterator).items()}
            step += 1
            window_steps += 1
            bad = [k for k, v in logs.items() if not math.isfinite(v)]
            if bad:
                raise NonFiniteLossError(
                    f"Non-finite {', '.join(f'{k}={logs[k]}' for k in bad)} at step {step}; "
                    f"the last good checkpoint is {manager.latest_checkpoint or 'none (no save yet)'}"
                    f". Lower the learning rate or try --precision=float32.")
            bar.update(1)
            if step % settings.log_every == 0 or step == settings.steps:
                elapsed = time.perf_counter() - window_start
                logs["perf/images_per_second"] = (window_steps * settings.batch_size
                                                   * trainer.batches_per_step / elapsed)
                result["images_per_second"] = logs["perf/images_per_second"]
                window_start, window_steps = time.perf_counter(), 0
                runlog.scalars(step, logs)
                bar.set_postfix({k.split("/", 1)[1]: f"{v:.3g}" for k, v in logs.items()
                                 if k in ("loss/D/total", "loss/G/total",
                                          "perf/images_per_second")})
            if step % settings.checkpoint_every == 0 or (
                    time.time() - last_save > settings.checkpoint_seconds):
                save()
                last_save = time.time()
            if step < settings.steps:  # the final step samples and evaluates below
                if settings.sample_every and step % settings.sample_every == 0:
                    write_samples(step)
                if settings.eval_every and step % settings.eval_every == 0 and evaluate:
                    bar.write(f"step {step}: {run_evaluation(step)}")
    except KeyboardInterrupt:
        bar.close()
        print(f"Interrupted: saved {save()}; run the same command to resume.", flush=True)
        raise
    bar.close()
    save()
    write_samples(step)
    run_evaluation(step)
    runlog.writer.flush()
    result["step"] = step
    return result

