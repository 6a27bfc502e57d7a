"""Checkpoints: nothing non-finite saved, damaged ones skipped, resumed runs use their own rates."""

import pytest
import tensorflow as tf
from test_trainer import image_batches, make_trainer

from tfgan_image.training import NonFiniteLossError, loop


def train(trainer, workdir, steps, **settings):
    settings = {"checkpoint_every": 1, **settings}
    return loop.fit(trainer, lambda step: image_batches(), str(workdir),
                    loop.LoopSettings(steps=steps, batch_size=8, **settings))


def nan_gradient_loss(fake_logits):
    """A finite loss (the non-saturating one) whose gradients are NaN: sqrt'(0) * 0."""
    return (tf.reduce_mean(tf.nn.softplus(-fake_logits))
            + tf.sqrt(tf.reduce_sum(tf.zeros_like(fake_logits) * fake_logits)))


def test_non_finite_weights_are_never_saved_and_a_lower_rate_resumes(tmp_path, capsys):
    train(make_trainer(), tmp_path, 2)
    good = str(tmp_path / "checkpoints" / "ckpt-2")
    exploding = make_trainer()
    exploding.generator_loss = nan_gradient_loss
    with pytest.raises(NonFiniteLossError, match=f"step 3.*last good checkpoint is {good}"):
        train(exploding, tmp_path, 6, checkpoint_seconds=0)
    assert not loop.non_finite_variables(make_trainer())
    assert sorted(p.name for p in (tmp_path / "checkpoints").glob("*.index")) == [
        "ckpt-1.index", "ckpt-2.index"]
    resumed = make_trainer()
    resumed.generator_optimizer.learning_rate = 1e-4   # the user's lower rate
    result = train(resumed, tmp_path, 4)
    assert result["step"] == 4 and f"Resumed from {good} at step 2" in capsys.readouterr().out
    assert resumed.generator_optimizer.learning_rate.numpy() == pytest.approx(1e-4)
    assert not loop.non_finite_variables(resumed)


def test_a_resumed_run_uses_its_own_learning_rate_not_the_checkpoints(tmp_path):
    train(make_trainer(), tmp_path, 1)
    resumed = make_trainer()
    resumed.discriminator_optimizer.learning_rate = 3e-5
    loop.restore_latest(resumed, loop.checkpoint_manager(resumed, str(tmp_path)))
    assert int(resumed.step.numpy()) == 1
    assert resumed.discriminator_optimizer.learning_rate.numpy() == pytest.approx(3e-5)
    assert resumed.generator_optimizer.learning_rate.numpy() == pytest.approx(1e-3)


@pytest.mark.parametrize("damage", ["truncated_data", "garbage_index", "state_file"])
def test_a_damaged_newest_checkpoint_is_skipped_with_a_warning(tmp_path, capsys, damage):
    train(make_trainer(), tmp_path, 3)
    folder = tmp_path / "checkpoints"
    if damage == "truncated_data":
        (data,) = folder.glob("ckpt-3.data-*")
        data.write_bytes(data.read_bytes()[:100])
    elif damage == "garbage_index":
        (folder / "ckpt-3.index").write_bytes(b"\x00garbage" * 10)
    else:
        (folder / "checkpoint").write_text('model_checkpoint_path: "ckpt-3\n{{{')
    capsys.readouterr()
    result = train(make_trainer(), tmp_path, 4)
    out = capsys.readouterr().out
    assert result["step"] == 4
    if damage == "state_file":   # the checkpoints themselves are fine: found from their files
        assert f"Resumed from {folder / 'ckpt-3'} at step 3" in out
    else:
        assert f"skipping unreadable checkpoint {folder / 'ckpt-3'}" in out
        assert f"Resumed from {folder / 'ckpt-2'} at step 2" in out
