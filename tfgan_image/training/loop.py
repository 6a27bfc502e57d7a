"""The outer training loop: resume, step, log, sample, checkpoint, evaluate.

Shared by every experiment. A run directory is always resumable: checkpoints are written by
``tf.train.CheckpointManager`` (data first, then an atomic rename of the index file, so a
crash never leaves a half-written checkpoint visible), every ``checkpoint_every`` steps, every
``checkpoint_seconds`` seconds, at the end, and on Ctrl-C, SIGTERM or SIGHUP (what job
schedulers, ``docker stop`` and a closed terminal send), after which the process exits with
the signal's conventional code (130, 143, 129). The stop comes after the step (or evaluation)
in progress; a second signal stops at once. ``requeue_signal`` (e.g. SIGUSR1, which some
schedulers send before they stop a job) saves a checkpoint and keeps training. A signal that
arrives during a save waits for the save to finish.
"""

import contextlib
import dataclasses
import math
import os
import signal
import threading
import time
from typing import Callable, Dict, Optional, Tuple

import numpy as np
import tensorflow as tf

from tfgan_image.evaluation.base import generate
from tfgan_image.runlog import RunLog
from tfgan_image.training.strategy import agreement, is_multi_worker
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
    requeue_signal: str = "none"   # e.g. "SIGUSR1": save and keep training


CHECKPOINT_DIR = "checkpoints"


class UnreadableCheckpointsError(RuntimeError):
    """Every checkpoint of a run directory failed to load."""


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C, SIGTERM or SIGHUP during training, after the checkpoint was saved; the
    message names it, ``exit_code`` is the signal's conventional one (128 + its number)."""

    def __init__(self, message: str, exit_code: int = 128 + signal.SIGINT):
        super().__init__(message)
        self.exit_code = exit_code


class RunWriteError(RuntimeError):
    """Writing to the run directory failed (a full disk, a quota, a read-only or failing
    file system); the message names the path, the cause and the newest good checkpoint."""


WRITE_FAILURES = ("No space left on device", "Disk quota exceeded", "Read-only file system",
                  "Permission denied", "Input/output error")


def _reason(error: BaseException) -> str:
    """The cause of a failed write in a few words (TensorFlow's messages name the op and a
    temporary file before it)."""
    if isinstance(error, OSError) and error.errno:
        return os.strerror(error.errno)
    text = str(getattr(error, "message", "") or error).strip()
    known = [cause for cause in WRITE_FAILURES if cause.lower() in text.lower()]
    if known:
        return known[0]
    return text.splitlines()[-1][-200:] if text else type(error).__name__


@contextlib.contextmanager
def writing(what: str, path: str, workdir: str, newest: Optional[str]):
    """Turns an OS or TensorFlow write error inside the block into one RunWriteError naming
    ``what``, ``path``, the cause and ``newest``, the newest good checkpoint, after removing
    the temporary files a failed write leaves in the run directory ``workdir`` (a
    ``ckpt-N_temp`` folder, a ``*.tmp*`` file); earlier checkpoints stay as they were."""
    try:
        yield
    except (OSError, tf.errors.OpError) as error:
        from tfgan_image.rundir import remove_leftovers

        remove_leftovers(workdir, quiet=True)
        raise RunWriteError(
            f"Cannot write the {what} in {path}: {_reason(error)}. Newest good checkpoint: "
            f"{newest or 'none'}; free space (or fix the folder) and run the same command "
            f"to resume.") from None


class _Stop(KeyboardInterrupt):
    """Raised by the stop handlers; carries the signal's number."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class SignalHandlers:
    """While training: SIGINT, SIGTERM and SIGHUP ask the loop to stop after the step it is
    in (it saves, then raises TrainingInterrupted); a second one before that stops at once.
    The requeue signal asks for a save after the step. The handlers only set flags that the
    loop reads between steps: an exception raised from a handler could land inside
    TensorFlow's or a library's Python code and leave it stuck. Inside ``saving()`` every stop
    signal only sets the flag. Installed only in the main thread (Python delivers signals
    there), and never over a signal the process was started ignoring (``nohup`` ignores
    SIGHUP, a background job SIGINT).

    ``agree`` (multi-worker runs, ``strategy.agreement``): a signal to any worker (a scheduler
    may stop one machine of a job) must stop or save every worker at the same step, as saves
    are collective. The handlers then only note the request; ``poll``, called by every worker
    after every step, shares it, and ``stop_signal`` / ``save_requested`` hold what was
    agreed."""

    def __init__(self, requeue_signal: str = "none", agree=None):
        self.requeue = None if requeue_signal == "none" else getattr(signal, requeue_signal)
        self.save_requested, self.stop_signal, self._saving, self._previous = (
            False, None, False, {})
        self.agree, self._asked_stop, self._asked_save = agree, None, False

    def __enter__(self):
        self.install()
        return self

    def __exit__(self, *exc):
        self.restore()

    def install(self):
        if threading.current_thread() is threading.main_thread():
            for signum in STOP_SIGNALS:
                if signal.getsignal(signum) is not signal.SIG_IGN:
                    self._previous[signum] = signal.signal(signum, self._stop)
            if self.requeue is not None:
                self._previous[self.requeue] = signal.signal(self.requeue, self._ask_save)

    def restore(self):
        """The handlers from before ``install``."""
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous = {}

    def _stop(self, signum, frame):
        del frame
        if self.agree is not None:   # noted here, shared by poll
            if self._asked_stop is None or self._saving:
                self._asked_stop = self._asked_stop or signum
                return
            raise _Stop(self._asked_stop)   # asked twice: stop now
        if self.stop_signal is None or self._saving:
            self.stop_signal = self.stop_signal or signum
        else:
            raise _Stop(self.stop_signal)   # asked twice: stop now

    def _ask_save(self, signum, frame):
        del signum, frame
        if self.agree is not None:
            self._asked_save = True
        else:
            self.save_requested = True

    def poll(self):
        """Multi-worker runs: every worker learns whether any worker was asked to stop (and
        by which signal) or to save, at this step. A no-op otherwise."""
        if self.agree is None:
            return
        *stops, save = self.agree([self._asked_stop == signum for signum in STOP_SIGNALS]
                                  + [self._asked_save])
        self._asked_save = False
        self.save_requested = self.save_requested or save
        if self.stop_signal is None and any(stops):   # one signal for all: SIGTERM first
            self.stop_signal = max((s for s, asked in zip(STOP_SIGNALS, stops) if asked),
                                   key=lambda s: (s == signal.SIGTERM, s))

    def check(self):
        """Raises the stop (a KeyboardInterrupt carrying the signal) if one was asked for."""
        if self.stop_signal is not None:
            raise _Stop(self.stop_signal)

    def hold(self):
        """From now on a stop signal only sets the flag (the process is about to end)."""
        self._saving = True

    @contextlib.contextmanager
    def saving(self):
        """Stop signals only set the flag until the block ends; then acts on it."""
        self._saving = True
        try:
            yield
        finally:
            self._saving = False
        self.check()


def current_step(trainer: GANTrainer) -> int:
    """The trainer's step as a Python int (also for a distributed step variable)."""
    return int(trainer.step.numpy())


def checkpoint_manager(trainer: GANTrainer, workdir: str,
                       max_to_keep: int = 3) -> tf.train.CheckpointManager:
    """The run's CheckpointManager (TensorFlow ignores, with a warning, a garbled
    ``checkpoints/checkpoint`` state file; ``checkpoints_newest_first`` still finds the
    checkpoints from their files)."""
    return tf.train.CheckpointManager(trainer.checkpoint(),
                                      os.path.join(workdir, CHECKPOINT_DIR),
                                      max_to_keep=max_to_keep)


def checkpoints_newest_first(manager: tf.train.CheckpointManager) -> list:
    """Checkpoint prefixes of the manager's directory, newest (highest number) first: those
    the state file lists and any other ``ckpt-N`` with an index file."""
    on_disk = {path[:-len(".index")] for path in
               tf.io.gfile.glob(os.path.join(manager.directory, "ckpt-*.index"))}
    prefixes = set(manager.checkpoints) | on_disk

    def number(prefix):
        tail = prefix.rsplit("-", 1)[-1]
        return int(tail) if tail.isdigit() else -1

    return sorted(prefixes, key=number, reverse=True)


def _fixed_learning_rates(trainer: GANTrainer) -> list:
    """[(optimizer, learning rate)] of the optimizers with a constant rate: a checkpoint holds
    the rate it was saved with, and a resumed run must use the one it was started with."""
    import keras

    rates = []
    for optimizer in (trainer.generator_optimizer, trainer.discriminator_optimizer):
        optimizer = getattr(optimizer, "inner_optimizer", optimizer)
        if not isinstance(optimizer._learning_rate,
                          keras.optimizers.schedules.LearningRateSchedule):
            rates.append((optimizer, float(optimizer.learning_rate.numpy())))
    return rates


def restore_latest(trainer: GANTrainer, manager: tf.train.CheckpointManager
                   ) -> Tuple[int, Optional[str]]:
    """Restores the newest readable checkpoint if there is one; returns the step to continue
    from and the checkpoint (None for a new run). A checkpoint that cannot be read
    (truncated, corrupt) is skipped with a warning naming it, and the next older one is
    tried. Constant learning rates stay the trainer's own (the configured ones), not the
    checkpoint's."""
    rates = _fixed_learning_rates(trainer)
    for prefix in checkpoints_newest_first(manager):
        try:
            manager.checkpoint.restore(prefix).assert_existing_objects_matched()
        except Exception as error:  # the reader raises OpError, IndexError, ValueError, ...
            reason = str(error).strip().splitlines()[0][:200] if str(error).strip() else (
                type(error).__name__)
            print(f"Warning: skipping unreadable checkpoint {prefix} ({reason}).", flush=True)
            continue
        for optimizer, rate in rates:
            optimizer.learning_rate = rate
        print(f"Resumed from {prefix} at step {current_step(trainer)}.", flush=True)
        return current_step(trainer), prefix
    if checkpoints_newest_first(manager):
        raise UnreadableCheckpointsError(
            f"No checkpoint in {manager.directory} can be read; move that folder away to "
            f"start the run again.")
    return current_step(trainer), None


def non_finite_variables(trainer: GANTrainer) -> list:
    """Names of the trainer's checkpointed float variables holding NaN or Inf."""
    models = [trainer.generator, trainer.discriminator, trainer.ema_generator]
    variables = [v for m in models if m is not None for v in m.weights]
    for optimizer in (trainer.generator_optimizer, trainer.discriminator_optimizer):
        variables += list(optimizer.variables)
    return [getattr(v, "path", None) or v.name for v in variables
            if tf.as_dtype(v.dtype).is_floating
            and not bool(tf.reduce_all(tf.math.is_finite(tf.convert_to_tensor(v))))]


def _advice(result: Dict) -> str:
    if result["checkpoint"] is None:
        return "No checkpoint was saved yet: start again with a lower learning rate."
    return (f"The last good checkpoint is {result['checkpoint']}: run the same command with a "
            f"lower learning rate (or --precision=float32) to resume from it.")


def fit(trainer: GANTrainer, dataset_for_step: Callable[[int], tf.data.Dataset], workdir: str,
        settings: LoopSettings, sample_inputs: Optional[np.ndarray] = None,
        evaluate: Optional[Callable] = None, runlog: Optional[RunLog] = None,
        on_checkpoint: Optional[Callable[[], None]] = None,
        restore_dir: Optional[str] = None) -> Dict:
    """Trains until ``settings.steps`` (resuming from ``workdir``), then evaluates.

    Args:
      dataset_for_step: start step -> training dataset (seed its shuffle with the step so a
        resumed run does not replay the same order).
      sample_inputs: fixed generator inputs for the sample grids (e.g. 64 latents).
      evaluate: sampling generator -> {metric: value}; run every ``eval_every`` steps and at
        the end, written to TensorBoard and metrics.jsonl.
      on_checkpoint: called after every checkpoint save (e.g. to export the generator).
      restore_dir: the run directory whose checkpoints to resume from (default ``workdir``;
        another one for the non-chief workers of a multi-worker run, which save to a
        temporary ``workdir``: every worker must take part in every save).

    A multi-worker run saves only every ``checkpoint_every`` steps (and at the end): a save
    is a collective step, so every worker must decide it alike, which the clock would not.

    Returns: {"step", "metrics" (the final evaluation), "samples" (last grid path),
    "checkpoint" (last checkpoint path), "images_per_second"}.
    """
    from tqdm.auto import tqdm

    runlog = runlog or RunLog(workdir)
    manager = checkpoint_manager(trainer, workdir, settings.max_checkpoints)
    restore_dir = restore_dir or workdir
    step, restored = restore_latest(
        trainer, manager if restore_dir == workdir else checkpoint_manager(trainer, restore_dir))
    timed_saves = not is_multi_worker(trainer.strategy)
    iterator = trainer.distribute(dataset_for_step(step))
    # "checkpoint" is always one whose weights were checked finite before it was written.
    result = {"metrics": {}, "samples": None, "checkpoint": restored,
              "images_per_second": float("nan")}
    saved_step = step if restored else None

    handlers = SignalHandlers(settings.requeue_signal,
                              None if timed_saves else agreement(trainer.strategy))

    def save():
        with handlers.saving():
            return save_now()

    def save_now():
        nonlocal saved_step
        if saved_step != current_step(trainer):
            bad = non_finite_variables(trainer)
            if bad:
                raise NonFiniteLossError(
                    f"Non-finite weights at step {current_step(trainer)} ({', '.join(bad[:3])}"
                    f"{', ...' if len(bad) > 3 else ''}); not saved. {_advice(result)}")
            with writing(f"checkpoint of step {current_step(trainer)}", manager.directory,
                         workdir, result["checkpoint"]):
                result["checkpoint"] = manager.save(checkpoint_number=current_step(trainer))
            saved_step = current_step(trainer)
            if on_checkpoint is not None:
                with writing("exported generator", workdir, workdir, result["checkpoint"]):
                    on_checkpoint()
        return result["checkpoint"]

    def write_samples(at_step):
        if sample_inputs is not None:
            images = generate(trainer.sampling_generator, sample_inputs)
            with writing("sample grid", os.path.join(workdir, "samples"), workdir,
                         result["checkpoint"]):
                result["samples"] = runlog.sample_grid(at_step, images)

    def run_evaluation(at_step):
        if evaluate is not None:
            result["metrics"] = evaluate(trainer.sampling_generator)
            with writing("evaluation metrics", workdir, workdir, result["checkpoint"]):
                runlog.evaluation(at_step, result["metrics"])
            return ", ".join(f"{k} {v:.4g}" for k, v in result["metrics"].items())

    last_save = time.time()
    window_start, window_steps = time.perf_counter(), 0
    bar = tqdm(total=settings.steps, initial=min(step, settings.steps), unit="step",
               desc=os.path.basename(os.path.normpath(workdir)), dynamic_ncols=True,
               mininterval=1.0)
    try:
        handlers.install()
        while step < settings.steps:
            logs = {k: float(v) for k, v in trainer.train_step(iterator).items()}
            step += 1
            window_steps += 1
            bad = [k for k, v in logs.items() if not math.isfinite(v)]
            if bad:
                raise NonFiniteLossError(
                    f"Non-finite {', '.join(f'{k}={logs[k]}' for k in bad)} at step {step}. "
                    f"{_advice(result)}")
            bar.update(1)
            handlers.poll()
            if step % settings.log_every == 0 or step == settings.steps:
                elapsed = time.perf_counter() - window_start
                logs["perf/images_per_second"] = (window_steps * settings.batch_size
                                                   * trainer.batches_per_step / elapsed)
                result["images_per_second"] = logs["perf/images_per_second"]
                window_start, window_steps = time.perf_counter(), 0
                with writing("training logs", workdir, workdir, result["checkpoint"]):
                    runlog.scalars(step, logs)
                bar.set_postfix({k.split("/", 1)[1]: f"{v:.3g}" for k, v in logs.items()
                                 if k in ("loss/D/total", "loss/G/total",
                                          "perf/images_per_second")})
            if step % settings.checkpoint_every == 0 or (
                    timed_saves and time.time() - last_save > settings.checkpoint_seconds):
                save()
                last_save = time.time()
            if handlers.save_requested:
                handlers.save_requested = False
                bar.write(f"{settings.requeue_signal}: saved {save()}; training continues.")
                last_save = time.time()
            if step < settings.steps:  # the final step samples and evaluates below
                if settings.sample_every and step % settings.sample_every == 0:
                    write_samples(step)
                if settings.eval_every and step % settings.eval_every == 0 and evaluate:
                    bar.write(f"step {step}: {run_evaluation(step)}")
            handlers.check()
        bar.close()
        save()
    except KeyboardInterrupt as interrupt:
        bar.close()
        signum = getattr(interrupt, "signum", signal.SIGINT)
        name = "Interrupted" if signum == signal.SIGINT else signal.Signals(signum).name
        handlers.hold()   # a further signal waits for this save; the process then ends
        checkpoint = save_now()
        if restore_dir != workdir:   # another worker of a multi-worker run: the chief saved
            saved = (f"the chief saved "
                     f"{os.path.join(restore_dir, 'checkpoints', os.path.basename(checkpoint))}")
        else:
            saved = f"saved {checkpoint}"
        raise TrainingInterrupted(
            f"{name}: {saved}; run the same command to resume.", 128 + signum) from None
    finally:
        handlers.restore()
    write_samples(step)
    run_evaluation(step)
    runlog.writer.flush()
    result["step"] = step
    return result
