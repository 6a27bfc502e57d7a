"""Run directories: checked before they are changed, one run at a time, leftovers removed."""

import json
import subprocess
import sys

import pytest
from conftest import REPO_ROOT

from tfgan_image import rundir

CONFIG = {"workdir": "w", "steps": 10, "batch_size": 4, "g_learning_rate": 1e-3,
          "generator_widths": [8, 4], "log_every": 5}


def test_a_new_run_directory_gets_its_config(tmp_path):
    rundir.open_run_directory(str(tmp_path / "run"), CONFIG)
    assert json.loads((tmp_path / "run" / "config.json").read_text()) == CONFIG
    rundir.release(str(tmp_path / "run"))


@pytest.mark.parametrize("case", ["unrelated_config", "other_files", "is_a_file",
                                  "cannot_create"])
def test_unusable_workdirs_are_refused_and_left_unchanged(tmp_path, case):
    workdir = tmp_path / "w"
    if case == "unrelated_config":
        workdir.mkdir()
        (workdir / "config.json").write_text('{"server": "prod"}\n')
        match = "not the settings file of a tfgan_image run"
    elif case == "other_files":
        workdir.mkdir()
        (workdir / "holiday.jpg").write_bytes(b"my photo")
        match = "not a run directory"
    elif case == "is_a_file":
        workdir.write_text("notes")
        match = "is a file"
    else:
        workdir = tmp_path / "f" / "w"
        (tmp_path / "f").write_text("a file where a folder should be")
        match = "Cannot create"
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    with pytest.raises(rundir.RunDirectoryError, match=match):
        rundir.open_run_directory(str(workdir), CONFIG)
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before


@pytest.mark.parametrize("checkpoints", ["checkpoints", "stage1/checkpoints"])
def test_incompatible_settings_are_refused_with_the_list_and_nothing_changes(tmp_path,
                                                                           checkpoints):
    workdir = str(tmp_path)
    rundir.open_run_directory(workdir, CONFIG)
    (tmp_path / checkpoints).mkdir(parents=True)
    (tmp_path / checkpoints / "ckpt-10.index").write_bytes(b"")
    stored = (tmp_path / "config.json").read_bytes()
    changed = {**CONFIG, "generator_widths": [16, 8], "batch_size": 8, "steps": 20}
    with pytest.raises(rundir.RunDirectoryError) as error:
        rundir.open_run_directory(workdir, changed)
    message = str(error.value)
    assert "generator_widths: [8, 4] -> [16, 8]" in message and "batch_size: 4 -> 8" in message
    assert "steps" not in message   # a compatible change is not listed as a problem
    assert (tmp_path / "config.json").read_bytes() == stored
    assert not (tmp_path / rundir.HISTORY_FILE).exists()
    rundir.release(workdir)


def test_a_run_without_checkpoints_may_change_any_setting(tmp_path):
    rundir.open_run_directory(str(tmp_path), CONFIG)
    changed = {**CONFIG, "generator_widths": [16, 8]}
    rundir.open_run_directory(str(tmp_path), changed)
    assert json.loads((tmp_path / "config.json").read_text()) == changed
    rundir.release(str(tmp_path))


def test_compatible_changes_are_recorded(tmp_path, capsys):
    workdir = str(tmp_path)
    rundir.open_run_directory(workdir, CONFIG)
    new = {**CONFIG, "steps": 20, "g_learning_rate": 1e-4, "log_every": 1}
    rundir.open_run_directory(workdir, new)
    assert "g_learning_rate: 0.001 -> 0.0001" in capsys.readouterr().out
    assert json.loads((tmp_path / "config.json").read_text()) == new
    (record,) = [json.loads(line) for line in (tmp_path / rundir.HISTORY_FILE).open()]
    assert record["previous"] == CONFIG
    assert record["changed"] == {"steps": 20, "g_learning_rate": 1e-4, "log_every": 1}
    # A setting the stored run does not know yet (added to the library later) is no change.
    rundir.open_run_directory(workdir, {**new, "new_setting": 3})
    rundir.release(workdir)


@pytest.mark.parametrize("old,new,refused", [("float32", "mixed_bfloat16", False),
                                             ("mixed_bfloat16", "mixed_float16", True)])
def test_precision_changes(old, new, refused):
    changes = {"precision": (old, new)}
    assert bool(rundir.incompatible_changes(changes, resumable={"precision"})) == refused


HOLD_LOCK = """
import sys, time
from tfgan_image import rundir
rundir.open_run_directory(sys.argv[1], {"workdir": sys.argv[1], "steps": 1})
print("LOCKED", flush=True)
time.sleep(120)
"""


@pytest.mark.slow
def test_one_run_at_a_time_and_a_killed_run_leaves_no_stuck_lock(tmp_path):
    workdir = str(tmp_path)
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, workdir], cwd=REPO_ROOT,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "LOCKED"
        with pytest.raises(rundir.RunDirectoryError, match=f"in use by another run .pid "
                                                           f"{holder.pid}"):
            rundir.open_run_directory(workdir, {"workdir": workdir, "steps": 1})
    finally:
        holder.kill()
        holder.wait()
    rundir.open_run_directory(workdir, {"workdir": workdir, "steps": 1})  # free again
    rundir.release(workdir)


def test_a_folder_left_with_only_a_lock_is_usable(tmp_path):
    (tmp_path / rundir.LOCK_FILE).write_text("pid 1 on gone-host\n")   # killed before config
    rundir.open_run_directory(str(tmp_path), CONFIG)
    rundir.release(str(tmp_path))


def test_leftovers_of_a_killed_run_are_removed(tmp_path):
    (tmp_path / "checkpoints" / "ckpt-5_temp").mkdir(parents=True)
    (tmp_path / "checkpoints" / "ckpt-5_temp" / "part").write_bytes(b"x")
    (tmp_path / "generator.tmp.keras").write_bytes(b"half")
    (tmp_path / "saved_model.tmp").mkdir()
    (tmp_path / "checkpoints" / "ckpt-4.index").write_bytes(b"kept")
    rundir.open_run_directory(str(tmp_path), CONFIG)
    rundir.release(str(tmp_path))
    left = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*"))
    assert left == [".lock", "checkpoints", "checkpoints/ckpt-4.index", "config.json"]
