"""A run directory (``RunDirectory``): one run at a time, settings checked before anything is
changed, the logs handed out.

``RunDirectory(workdir).open(config, resumable)`` is the first thing a run does to its
directory:

1. refuses a ``workdir`` that is a file, cannot be written, or is a non-empty folder that is
   not a run directory of this library (so an unrelated ``config.json`` is never replaced);
2. takes the directory's lock (``RUN/.lock``, an ``fcntl`` lock that the operating system
   drops when the process ends, so a crashed or killed run never leaves it stuck): a second
   run on the same directory is refused, naming the process that holds it;
3. compares the settings with the run's ``config.json``: when the run has checkpoints (its
   own or its stages'), a change to a setting that they depend on (model shape, data, ...)
   is refused with the list of differing settings, before anything is written; a change to
   a setting that a resumed run can honour (``resumable``: the config's settings declared
   with ``setting(resumable=True)``: steps, learning rates, loss weights, logging and
   evaluation) is printed, appended to
   ``RUN/config_history.jsonl`` and written to ``config.json``;
4. deletes what a killed run can leave behind: ``*.tmp*`` files and folders of atomic writes
   and the ``*_temp*`` folders of unfinished checkpoint saves.
"""

import dataclasses
import errno
import glob
import json
import os
import shutil
import socket
import time
from typing import Dict, Iterable, Optional

from tfgan_image.errors import RunError

CONFIG_FILE = "config.json"
HISTORY_FILE = "config_history.jsonl"
LOCK_FILE = ".lock"

# Float16 adds a loss-scale optimizer, whose state the checkpoints of the others lack.
_PRECISIONS_WITH_OWN_CHECKPOINTS = ("mixed_float16",)


class RunDirectoryError(RunError):
    """A run directory that this run may not use; the message says why and what to do."""


def config_values(config) -> dict:
    """A config dataclass (or dict) as plain JSON values (tuples become lists)."""
    values = dataclasses.asdict(config) if dataclasses.is_dataclass(config) else dict(config)
    return json.loads(json.dumps(values))


def read_config(workdir: str) -> Optional[dict]:
    """RUN/config.json as a dict; None when there is none; RunDirectoryError when it is not a
    run's settings (unreadable, not JSON, or not an object naming its steps and workdir)."""
    path = os.path.join(workdir, CONFIG_FILE)
    if not os.path.exists(path):
        return None
    try:
        with open(path) as f:
            values = json.load(f)
    except (OSError, ValueError) as error:
        raise RunDirectoryError(
            f"{path} is not the settings file of a run ({error}); choose another --workdir.") \
            from None
    if not isinstance(values, dict) or not {"workdir", "steps"} <= set(values):
        raise RunDirectoryError(
            f"{path} exists but is not the settings file of a tfgan_image run; choose an "
            f"empty or new --workdir (nothing was changed).")
    return values


def has_checkpoints(workdir: str) -> bool:
    """Whether the run (or a stage of it, RUN/stageN) has saved a checkpoint."""
    return bool(glob.glob(os.path.join(workdir, "checkpoints", "ckpt-*"))
                or glob.glob(os.path.join(workdir, "*", "checkpoints", "ckpt-*")))


def _is_run_directory(workdir: str) -> bool:
    return (os.path.exists(os.path.join(workdir, CONFIG_FILE))
            or os.path.isdir(os.path.join(workdir, "checkpoints")))


def settings_changes(previous: dict, current: dict) -> Dict[str, tuple]:
    """{setting: (stored, new)} for every setting whose value differs. A setting the stored
    config does not have (added to the library after the run started) is not a change."""
    return {name: (previous[name], value) for name, value in current.items()
            if name in previous and previous[name] != value}


def incompatible_changes(changes: Dict[str, tuple], resumable: Iterable[str]
                         ) -> Dict[str, tuple]:
    """The changes a resumed run cannot honour (its checkpoints depend on those settings):
    those of settings not in ``resumable``, and any change to or from float16 precision."""
    resumable = frozenset(resumable)

    def compatible(name, old, new):
        if name == "precision":
            return not ({old, new} & set(_PRECISIONS_WITH_OWN_CHECKPOINTS))
        return name in resumable

    return {name: values for name, values in changes.items() if not compatible(name, *values)}


def _describe(changes: Dict[str, tuple]) -> str:
    return "; ".join(f"{name}: {old!r} -> {new!r}" for name, (old, new) in changes.items())


# ----------------------------------------------------------------------------- lock
_held_locks: Dict[str, object] = {}


def _lock(workdir: str) -> None:
    """Takes RUN/.lock for this process (re-taking it is fine); RunDirectoryError when another
    process holds it."""
    import fcntl

    key = os.path.realpath(workdir)
    release(workdir)  # this process's own earlier run on it (e.g. one that raised) is over
    path = os.path.join(workdir, LOCK_FILE)
    handle = open(path, "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as error:
        if error.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
            raise
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise RunDirectoryError(
            f"{workdir} is in use by another run ({holder}); wait for it to finish or choose "
            f"another --workdir.") from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()} on {socket.gethostname()}, since "
                 f"{time.strftime('%Y-%m-%d %H:%M:%S')}\n")
    handle.flush()
    _held_locks[key] = handle


def release(workdir: str) -> None:
    """Drops this process's lock on ``workdir`` (when it holds one)."""
    handle = _held_locks.pop(os.path.realpath(workdir), None)
    if handle is not None:
        handle.close()


# ----------------------------------------------------------------------------- cleanup
def remove_leftovers(workdir: str, quiet: bool = False) -> list:
    """Deletes the temporary files and folders a killed run (or a failed write) can leave in
    ``workdir`` and its checkpoints folder; returns their paths (printed unless ``quiet``)."""
    patterns = [os.path.join(workdir, "*.tmp*"),
                os.path.join(workdir, "checkpoints", "*_temp*"),
                os.path.join(workdir, "checkpoints", "*.tmp*")]
    removed = []
    for path in sorted({p for pattern in patterns for p in glob.glob(pattern)}):
        if os.path.isdir(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            os.remove(path)
        removed.append(path)
    if removed and not quiet:
        print(f"Removed {len(removed)} temporary file(s) left by an interrupted run: "
              f"{', '.join(os.path.basename(p) for p in removed)}", flush=True)
    return removed


# ----------------------------------------------------------------------------- the entry
def _check_writable_folder(workdir: str) -> None:
    if os.path.exists(workdir) and not os.path.isdir(workdir):
        raise RunDirectoryError(f"--workdir {workdir} is a file, not a folder; choose a folder.")
    try:
        os.makedirs(workdir, exist_ok=True)
    except OSError as error:
        raise RunDirectoryError(f"Cannot create --workdir {workdir}: {error.strerror}.") \
            from None
    if not os.access(workdir, os.W_OK | os.X_OK):
        raise RunDirectoryError(f"--workdir {workdir} is not writable; choose another folder.")


class RunDirectory:
    """One run's folder and all of it but the logs: the checks before a run uses it, its lock,
    config.json and config_history.jsonl, the leftovers of killed runs, its paths, and the
    ``RunLog`` that writes its logs. The lock (and every RunLog handed out) is released on
    ``release`` or at the end of a ``with`` block:

        with RunDirectory(workdir).open(values, resumable) as run_dir:
            runlog = run_dir.runlog()
    """

    def __init__(self, workdir: str, lock: bool = True):
        self.workdir, self._lock, self._runlogs = workdir, lock, []
        self.values: Optional[dict] = None

    def path(self, *parts: str) -> str:
        return os.path.join(self.workdir, *parts)

    def stage(self, folder: str) -> "RunDirectory":
        """The directory of one stage of the run (RUN/folder), under the run's lock."""
        return RunDirectory(self.path(folder), lock=False)

    def open(self, config, resumable: Iterable[str] = ("workdir", "steps")) -> "RunDirectory":
        """Checks the folder for a run with ``config`` (a config dataclass or its values),
        takes the lock, removes leftovers and writes config.json (``values`` then holds its
        JSON values). ``resumable``: the settings a resumed run may change. See the module
        docstring. Raises RunDirectoryError before changing anything when the folder cannot
        be used."""
        workdir = self.workdir
        values = config_values(config)
        existed = os.path.isdir(workdir)
        others = set(os.listdir(workdir)) - {LOCK_FILE} if existed else set()
        if others and not _is_run_directory(workdir):
            raise RunDirectoryError(
                f"--workdir {workdir} is a folder with other files in it, not a run directory; "
                f"choose an empty or new folder (nothing was changed).")
        previous = read_config(workdir) if existed else None
        if previous is not None:
            changes = settings_changes(previous, values)
            refused = incompatible_changes(changes, resumable) if has_checkpoints(workdir) \
                else {}
            if refused:
                raise RunDirectoryError(
                    f"{workdir} holds a run with other settings, which its checkpoints depend "
                    f"on: {_describe(refused)}. Use the run's settings (see its {CONFIG_FILE}) "
                    f"or a new --workdir.")
        _check_writable_folder(workdir)
        if self._lock:
            _lock(workdir)
        remove_leftovers(workdir)
        if previous is not None and changes:
            print(f"Resuming {workdir} with changed settings (stored -> new): "
                  f"{_describe(changes)}", flush=True)
            with open(self.path(HISTORY_FILE), "a") as f:
                f.write(json.dumps({"time": time.time(), "previous": previous,
                                    "changed": {k: v for k, (_, v) in changes.items()}}) + "\n")
        if previous != values:
            from tfgan_image.atomic import write_json

            write_json(self.path(CONFIG_FILE), values)
        self.values = values
        return self

    def runlog(self):
        """A ``RunLog`` writing this directory's logs (closed by ``release``)."""
        from tfgan_image.runlog import RunLog

        self._runlogs.append(RunLog(self.workdir))
        return self._runlogs[-1]

    def release(self) -> None:
        """Closes the RunLogs handed out and drops the lock."""
        while self._runlogs:
            self._runlogs.pop().close()
        if self._lock:
            release(self.workdir)

    def __enter__(self) -> "RunDirectory":
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def open_run_directory(workdir: str, config, resumable: Iterable[str] = ("workdir", "steps"),
                       lock: bool = True) -> dict:
    """``RunDirectory(workdir, lock).open(config, resumable)``; returns the config's JSON
    values (the lock stays held: ``release(workdir)``)."""
    return RunDirectory(workdir, lock).open(config, resumable).values
