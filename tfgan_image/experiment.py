"""One orchestration for every model family: ``run(family, config)``.

A family (``mnist``, ``image_gan``, ``restoration``, ``superres``, ``style_transfer``,
``texture_synthesis``) subclasses ``Family`` and supplies only what is its own: its data
(``load_data``), the networks it trains with their data, sample inputs and evaluation
(``stages``), and what it measures, exports and draws once training is over (``finish``).
``run`` does the rest, the same for every family, in this order:

1. seed; the family loads its data (bad data stops the run before anything is written);
2. the distribution strategy, and this process's part of a multi-worker run;
3. the run directory: created, or resumed after its config.json was compared with the
   settings (config.json also names the family, so ``resume(workdir)`` rebuilds a run from
   that file alone);
4. each stage: its trainer built inside the strategy scope and the precision policy (the
   first stage's generator started from ``config.init_from`` when the family has that
   setting: a pretrained model or a .keras file, loaded before anything is written), then
   trained by ``training.loop.fit`` (resume, log, sample, checkpoint, evaluate), exporting
   the sampling generator to generator.keras at every checkpoint;
5. the family's ``finish``; its result, paths included, written to RUN/summary.json.

Adding a family: a module with its config dataclass (fields made with ``settings.setting``)
and a ``Family`` subclass decorated with ``@experiment.register``, its named configs
(``tfgan_image/configs/<family>/<name>.py``, or where its ``configs_package`` says) and a
test. ``python -m tfgan_image.train <family> --config=<name>`` then trains it and
``resume`` resumes its runs.
"""

import dataclasses
import importlib
import json
import os
import typing
from typing import Any, Callable, Dict, List, Optional

import keras
import numpy as np

from tfgan_image import errors, export, precision, rundir, settings
from tfgan_image.atomic import write_json
from tfgan_image.runlog import RunLog, print_paths
from tfgan_image.training import loop
from tfgan_image.training.strategy import make_strategy, worker_config

SUMMARY_FILE = "summary.json"
_REGISTERED: Dict[str, type] = {}   # family name -> its Family class (``register``)


@dataclasses.dataclass
class Stage:
    """One network trained by the shared loop.

    ``build_trainer()`` is called inside the strategy scope and the precision policy;
    ``dataset_for_step(step)`` gives the training batches from a (resumed) step on;
    ``sample_inputs``: fixed generator inputs for the sample grids (None: no grids);
    ``evaluate(generator) -> {metric: value}`` every ``eval_every`` steps and at the end;
    ``folder``: "" trains in the run directory, else in RUN/folder with logs of its own;
    ``steps``: default the config's; ``before_training(trainer, run)`` runs once the trainer
    is built, before the run's checkpoints are restored (which win): e.g. to start from an
    earlier stage's weights, or to score the untrained network.
    """
    build_trainer: Callable[[], Any]
    dataset_for_step: Callable[[int], Any]
    sample_inputs: Any = None
    evaluate: Optional[Callable] = None
    folder: str = ""
    steps: Optional[int] = None
    before_training: Optional[Callable[[Any, "Run"], None]] = None


@dataclasses.dataclass
class Run:
    """What a family sees of an open run: this process's config (on the non-chief workers of
    a multi-worker run ``workdir`` is a scratch folder), the family's data, the strategy, the
    run directory to resume from, the run's log (TensorBoard, metrics.jsonl, grids) and its
    open ``RunDirectory``."""
    config: Any
    data: Any
    strategy: Any
    resume_from: str
    runlog: RunLog
    directory: rundir.RunDirectory

    @property
    def workdir(self) -> str:
        return self.config.workdir

    def path(self, *parts: str) -> str:
        return os.path.join(self.config.workdir, *parts)


class Family:
    """A model family: override what is its own (see the module docstring)."""
    name = ""                 # its one name: module, configs, notebook, default run directory
    config_class: type = type(None)
    default_config = "default"   # the named config ``train <family>`` starts from

    @property
    def configs_package(self) -> str:
        """The package of its named configs (one module with ``get_config()`` each)."""
        return f"tfgan_image.configs.{self.name}"

    def load_data(self, config) -> Any:
        """The run's data; raise ``sources.DataError`` for anything unusable."""
        return None

    def stages(self, run: Run) -> List[Stage]:
        raise NotImplementedError

    def finish(self, run: Run, results: List[Dict]) -> Dict:
        """The run's result from the stages' ``loop.fit`` results (each also with its
        "trainer", "workdir", "generator", "metrics_file" and "tensorboard"): scores,
        exports, figures; "paths" names the files written. By default the last stage's step,
        final metrics, speed and trainer, and the paths of what it wrote."""
        result = results[-1]
        return {"step": result["step"], "metrics": result["metrics"],
                "images_per_second": result["images_per_second"], "trainer": result["trainer"],
                "paths": {"workdir": run.workdir, "samples": result["samples"],
                          "generator": result["generator"], "checkpoint": result["checkpoint"],
                          "metrics": result["metrics_file"],
                          "tensorboard": result["tensorboard"]}}

    def report(self, result: Dict) -> None:
        """The end-of-run report the experiment CLI prints."""
        print_paths(result["paths"])


def run(family: Family, config) -> Dict:
    """Trains (or resumes) ``config``'s run of ``family``; returns the family's result
    (also in RUN/summary.json, but for the "trainer" of single-stage families)."""
    keras.utils.set_random_seed(config.seed)
    data = family.load_data(config)
    initial = _initial_generator(config)
    strategy = make_strategy(config.strategy, config.batch_size)
    config, resume_from = worker_config(config, strategy)
    if config.precision == precision.AUTO:   # config.json records what the run computes in
        config = config.replace(precision=precision.fastest_precision())
        print(f"Precision: {config.precision} (auto: the fastest on this machine).", flush=True)
    values = {"family": family.name, "family_module": type(family).__module__,
              **rundir.config_values(config)}
    resumable = settings.resumable(type(config))
    with rundir.RunDirectory(config.workdir).open(values, resumable) as directory:
        current = Run(config, data, strategy, resume_from, directory.runlog(), directory)
        stages, results = family.stages(current), []
        while stages:   # a stage's data (e.g. its training patches) is freed once it trained
            results.append(_train(current, stages.pop(0), values, resumable,
                                  None if results else initial))
        result = family.finish(current, results)
        result.setdefault("paths", {})["summary"] = current.path(SUMMARY_FILE)
        write_json(current.path(SUMMARY_FILE),
                   {k: v for k, v in result.items() if k != "trainer"}, default=_plain)
    return result


def _initial_generator(config) -> Optional[keras.Model]:
    """The model ``config.init_from`` names (a shipped model or a .keras file), or None."""
    source = getattr(config, "init_from", None)
    if not source:
        return None
    from tfgan_image import pretrained

    if os.path.isfile(source):
        return pretrained.load_file(source)
    if source.endswith(".keras") or os.sep in source:
        raise errors.RunError(f"--init_from {source}: no such file.")
    return pretrained.load(source)


def _train(current: Run, stage: Stage, values: dict, resumable: frozenset,
           initial: Optional[keras.Model] = None) -> Dict:
    config = current.config
    workdir, runlog = current.workdir, current.runlog
    restore_dir = current.resume_from
    directory = None   # a stage's own directory, under the run's lock
    if stage.folder:
        directory = current.directory.stage(stage.folder).open(values, resumable)
        workdir, runlog = directory.workdir, directory.runlog()
        restore_dir = os.path.join(restore_dir, stage.folder)
    with current.strategy.scope(), precision.precision_policy(config.precision):
        trainer = stage.build_trainer()
    if initial is not None:   # before the checkpoints are restored, which win on a resume
        try:
            trainer.start_generator_from(initial, f"--init_from {config.init_from}")
        except ValueError as error:
            raise errors.RunError(str(error)) from None
    if stage.before_training is not None:
        stage.before_training(trainer, current)
    settings = loop.LoopSettings(
        steps=config.steps if stage.steps is None else stage.steps,
        batch_size=config.batch_size, log_every=config.log_every,
        sample_every=config.sample_every, checkpoint_every=config.checkpoint_every,
        eval_every=config.eval_every, requeue_signal=config.requeue_signal)
    try:
        result = loop.fit(
            trainer, stage.dataset_for_step, workdir, settings,
            sample_inputs=stage.sample_inputs, evaluate=stage.evaluate, runlog=runlog,
            on_checkpoint=lambda: export.export_generator(trainer.sampling_generator, workdir),
            restore_dir=restore_dir)
    finally:
        if directory is not None:
            directory.release()
    result.update(trainer=trainer, workdir=workdir,
                  generator=os.path.join(workdir, export.GENERATOR_FILE),
                  metrics_file=runlog.metrics_path,
                  tensorboard=os.path.join(workdir, "tensorboard"))
    return result


def _plain(value):
    """JSON for numpy values in a result."""
    if isinstance(value, (np.generic, np.ndarray)):
        return value.tolist()
    raise TypeError(f"Not JSON serialisable: {type(value).__name__}")


# ----------------------------------------------------------------------------- families
def register(family_class: type) -> type:
    """Class decorator: makes a ``Family`` subclass known by its ``name`` to ``family``,
    the train command and ``resume``."""
    _REGISTERED[family_class.name] = family_class
    return family_class


def built_in_families() -> List[str]:
    """The package's families: one folder of named configs each in tfgan_image/configs/."""
    folder = os.path.join(os.path.dirname(os.path.abspath(__file__)), "configs")
    return sorted(name for name in os.listdir(folder)
                  if os.path.isfile(os.path.join(folder, name, "__init__.py")))


def families() -> List[str]:
    """Every family ``family`` can make: the package's and those registered since."""
    return sorted(set(built_in_families()) | set(_REGISTERED))


def family(name: str, module: Optional[str] = None) -> Family:
    """A new ``Family`` of the given name; its module (default ``tfgan_image.<name>``) is
    imported to register it when it is not yet."""
    if name not in _REGISTERED and (module or name in built_in_families()):
        importlib.import_module(module or f"tfgan_image.{name}")
    if name not in _REGISTERED:
        raise ValueError(f"Unknown family {name!r}; one of: {', '.join(families())}.")
    return _REGISTERED[name]()


# ----------------------------------------------------------------------------- resuming


def config_from_values(config_class, values: dict):
    """``config_class`` from JSON values (config.json): lists become the tuples of tuple
    settings; values of settings the class no longer has are left out."""
    fields = {f.name: f for f in dataclasses.fields(config_class)}
    kept = {}
    for name, value in values.items():
        if name in fields:
            if typing.get_origin(fields[name].type) is tuple and isinstance(value, list):
                value = tuple(value)
            kept[name] = value
    return config_class(**kept)


def resume(workdir: str, **changes) -> Dict:
    """Runs (resumes) the run in ``workdir`` from its config.json alone, with ``changes``
    (e.g. ``steps=5000``); the family comes from the file."""
    values = rundir.read_config(workdir)
    if values is None:
        raise rundir.RunDirectoryError(f"{workdir} has no {rundir.CONFIG_FILE} to resume from.")
    if "family" not in values:
        raise rundir.RunDirectoryError(
            f"{os.path.join(workdir, rundir.CONFIG_FILE)} does not name its family (a run "
            f"started before families were recorded): rerun its experiment command instead.")
    chosen = family(values["family"], values.get("family_module"))
    config = config_from_values(chosen.config_class,
                                {**values, **changes, "workdir": workdir})
    return run(chosen, config)


def read_summary(workdir: str) -> Dict:
    """RUN/summary.json of a finished run."""
    with open(os.path.join(workdir, SUMMARY_FILE)) as f:
        return json.load(f)
