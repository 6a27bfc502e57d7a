"""training/trainer and training/loop: one real step, EMA, loss scaling, InfoGAN's code,
checkpoints, warm starts, signals and write failures."""

import math
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf
from conftest import REPO_ROOT, TINY_UNET

from tfgan_image import losses, precision
from tfgan_image.augment import diff_augment_fn
from tfgan_image.models import dcgan, mlp
from tfgan_image.models import restoration as restoration_models
from tfgan_image.training import GANTrainer, NonFiniteLossError, loop


def make_trainer(precision_name="float32", model="dcgan", **kwargs):
    keras.utils.set_random_seed(0)
    categories = kwargs.get("latent_code", 0)
    continuous = kwargs.get("continuous_codes", 0)
    with precision.precision_policy(precision_name):
        if model == "dcgan":
            generator = dcgan.build_generator(latent_dim=8, widths=(8, 4), categories=categories)
            discriminator = dcgan.build_discriminator(widths=(4, 8), categories=categories,
                                                      continuous=continuous)
        else:
            generator = mlp.build_generator(latent_dim=8, units=16, categories=categories)
            discriminator = mlp.build_discriminator(units=16, dropout=0.0,
                                                    categories=categories,
                                                    continuous=continuous)
        pair = losses.adversarial_loss(kwargs.pop("loss", "non_saturating"))
        return GANTrainer(
            generator, discriminator,
            precision.make_adam(1e-3, 0.5, 0.999, precision_name, "g"),
            precision.make_adam(1e-3, 0.5, 0.999, precision_name, "d"),
            pair.generator, pair.discriminator, latent_dim=8, **kwargs)

def image_batches(batch=8, seed=0):
    images = np.random.default_rng(seed).uniform(-1, 1, [64, 28, 28, 1]).astype(np.float32)
    return tf.data.Dataset.from_tensor_slices(images).repeat().batch(batch)

def weights_changed(before, model):
    return any(not np.allclose(a, b) for a, b in zip(before, model.get_weights()))

@pytest.mark.parametrize("settings", [
    dict(update="joint"),
    dict(update="alternating", n_critic=2, augment=diff_augment_fn("translation,cutout")),
    dict(update="alternating", loss="wasserstein", gradient_penalty_weight=10.0),
    dict(update="joint", loss="hinge", r1_weight=1.0, concat_real_fake=False),
    dict(update="joint", loss="minimax", precision_name="mixed_bfloat16"),
    dict(update="joint", loss="least_squares", precision_name="mixed_float16"),
    dict(update="joint", jit_compile=True),
    dict(update="joint", latent_code=4, precision_name="mixed_bfloat16"),
    dict(update="alternating", latent_code=4, concat_real_fake=False, model="mlp"),
], ids=["joint", "alternating-ncritic2-diffaug", "wgan-gp", "hinge-r1", "bf16", "fp16-scaled",
        "xla", "infogan-joint-bf16", "infogan-alternating"])
def test_one_real_step_updates_both_networks(settings):
    trainer = make_trainer(**settings)
    g_before, d_before = trainer.generator.get_weights(), trainer.discriminator.get_weights()
    logs = trainer.train_step(trainer.distribute(image_batches()))
    values = {k: float(v) for k, v in logs.items()}
    assert all(math.isfinite(v) for v in values.values()), values
    assert {"loss/D/adv", "loss/D/total", "loss/G/adv", "loss/G/total"} <= set(values)
    if settings.get("gradient_penalty_weight"):
        assert values["loss/D/total"] == pytest.approx(
            values["loss/D/adv"] + 10.0 * values["loss/D/gp"], rel=1e-5)
    if settings.get("r1_weight"):
        assert "loss/D/r1" in values
    if settings.get("latent_code"):   # the code loss starts near log(categories)
        assert 0.5 < values["loss/D/code"] < 3.0 and 0.5 < values["loss/G/code"] < 3.0
        assert values["loss/D/total"] == pytest.approx(
            values["loss/D/adv"] + values["loss/D/code"], rel=1e-4)
    assert weights_changed(d_before, trainer.discriminator)
    assert weights_changed(g_before, trainer.generator)
    assert int(trainer.step) == 1

def test_infogan_code_is_learned_and_read_from_the_gaussian_latent():
    """Codes drawn from z ~ N(0, I) are even over the categories; the Q head learns to read
    the code back from generated images (its loss falls well below chance's log 4)."""
    from tfgan_image.layers import CategoricalCode

    z = tf.random.normal((40000, 8), seed=1)
    counts = np.bincount(CategoricalCode.code(z, 4).numpy(), minlength=4) / 40000
    np.testing.assert_allclose(counts, 0.25, atol=0.01)
    coded = CategoricalCode(4)(z).numpy()
    np.testing.assert_array_equal(coded[:, :4].sum(1), 1.0)
    np.testing.assert_array_equal(coded[:, 4:], z.numpy()[:, 4:])
    trainer = make_trainer(update="joint", latent_code=4, code_weight=1.0)
    iterator = trainer.distribute(image_batches(batch=32))
    losses_seen = [float(trainer.train_step(iterator)["loss/D/code"]) for _ in range(60)]
    assert np.mean(losses_seen[-10:]) < 0.5 * math.log(4) < np.mean(losses_seen[:3])

def test_infogan_continuous_codes_are_read_back_by_the_q_head():
    """Continuous codes are z's entries after the categorical code; D's Q head estimates them
    after the code logits. Their loss is half the squared error summed over the codes (0 at a
    perfect estimate, 1 for two estimates each off by 1), and Q learns to read them back from
    generated images (the loss falls well below chance's 1, E[z^2 / 2] summed over two)."""
    from tfgan_image.layers import CategoricalCode

    trainer = make_trainer(update="joint", latent_code=4, continuous_codes=2)
    assert trainer.discriminator.output_shape == (None, 1 + 4 + 2)
    z = tf.random.normal((16, 8), seed=2)
    perfect = tf.concat([tf.one_hot(CategoricalCode.code(z, 4), 4) * 50.0, z[:, 4:6]], -1)
    assert float(trainer._code_loss(z, perfect)) == pytest.approx(0.0, abs=1e-6)
    off_by_one = perfect + tf.constant([0.0, 0.0, 0.0, 0.0, 1.0, -1.0])
    assert float(trainer._code_loss(z, off_by_one)) == pytest.approx(1.0, abs=1e-5)
    trainer = make_trainer(update="joint", continuous_codes=2)
    iterator = trainer.distribute(image_batches(batch=32))
    losses_seen = [float(trainer.train_step(iterator)["loss/D/code"]) for _ in range(60)]
    assert np.mean(losses_seen[-10:]) < 0.5 < 0.8 < np.mean(losses_seen[:3])


def test_loss_scale_optimizer_used_for_float16():
    trainer = make_trainer("mixed_float16")
    assert isinstance(trainer.generator_optimizer, keras.optimizers.LossScaleOptimizer)

def test_ema_generator_follows_slowly():
    trainer = make_trainer(ema_decay=0.9)
    initial = trainer.ema_generator.get_weights()
    iterator = trainer.distribute(image_batches())
    for _ in range(3):
        trainer.train_step(iterator)
    ema, live = trainer.ema_generator.get_weights(), trainer.generator.get_weights()
    kernel = 0  # Dense kernel of the projection
    assert not np.allclose(ema[kernel], initial[kernel])
    assert not np.allclose(ema[kernel], live[kernel])
    assert trainer.sampling_generator is trainer.ema_generator

def test_recalibrated_batch_norm_statistics_are_the_mean_of_the_batch_statistics():
    from tfgan_image.layers import FusedBatchNormalization
    from tfgan_image.training.ema import recalibrate_batch_norm

    inner = keras.Sequential([keras.Input((4, 4, 2)), FusedBatchNormalization(momentum=0.9)])
    model = keras.Sequential([keras.Input((4, 4, 2)), keras.layers.Dense(2), inner])
    norm = inner.layers[0]
    norm.moving_mean.assign([5.0, -5.0])           # stale statistics
    batches = [np.random.default_rng(i).normal(i, 1.0 + i, (3, 4, 4, 2)).astype(np.float32)
               for i in range(3)]
    assert recalibrate_batch_norm(model, batches) == 3
    dense = [np.asarray(model.layers[0](b)) for b in batches]   # what the norm layer saw
    np.testing.assert_allclose(norm.moving_mean.numpy(),
                               np.mean([d.mean(axis=(0, 1, 2)) for d in dense], axis=0),
                               rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(  # the fused kernel reports the unbiased variance
        norm.moving_variance.numpy(),
        np.mean([d.reshape(-1, 2).var(axis=0, ddof=1) for d in dense], axis=0), rtol=1e-3)
    assert norm.momentum == 0.9                      # restored
    assert recalibrate_batch_norm(keras.Sequential([keras.layers.Dense(1)]), batches) == 0

def test_extra_generator_losses_are_weighted_and_logged():
    trainer = make_trainer(extra_generator_losses={
        "mean": (0.5, lambda batch, fake: tf.reduce_mean(fake) + 3.0)})
    logs = trainer.train_step(trainer.distribute(image_batches()))
    assert float(logs["loss/G/total"]) == pytest.approx(
        float(logs["loss/G/adv"]) + 0.5 * float(logs["loss/G/mean"]), rel=1e-5)

def test_zero_adversarial_weight_trains_g_alone():
    trainer = make_trainer(adversarial_weight=0.0, extra_generator_losses={
        "mean": (1.0, lambda batch, fake: tf.reduce_mean(tf.square(fake)))})
    g_before, d_before = trainer.generator.get_weights(), trainer.discriminator.get_weights()
    logs = trainer.train_step(trainer.distribute(image_batches()))
    assert set(logs) == {"loss/G/mean", "loss/G/total"}
    assert weights_changed(g_before, trainer.generator)
    assert not weights_changed(d_before, trainer.discriminator)
    assert trainer.batches_per_step == 1

def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="n_critic=1"):
        make_trainer(update="joint", n_critic=2)
    with pytest.raises(ValueError, match="alternating"):
        make_trainer(update="sideways")
    with pytest.raises(ValueError, match="nothing to learn"):
        make_trainer(adversarial_weight=0.0)

def test_checkpoint_save_restore_gives_identical_outputs(tmp_path):
    trainer = make_trainer()
    iterator = trainer.distribute(image_batches())
    for _ in range(2):
        trainer.train_step(iterator)
    manager = loop.checkpoint_manager(trainer, str(tmp_path))
    manager.save(checkpoint_number=2)
    z = np.random.default_rng(0).normal(size=[4, 8]).astype(np.float32)
    expected = trainer.ema_generator(z, training=False).numpy()
    expected_d = trainer.discriminator(expected, training=False).numpy()
    expected_slots = [v.numpy() for v in trainer.generator_optimizer.variables]

    fresh = make_trainer()
    fresh_manager = loop.checkpoint_manager(fresh, str(tmp_path))
    assert loop.restore_latest(fresh, fresh_manager) == (2, manager.latest_checkpoint)
    np.testing.assert_array_equal(fresh.ema_generator(z, training=False).numpy(), expected)
    np.testing.assert_array_equal(fresh.discriminator(expected, training=False).numpy(),
                                  expected_d)
    for a, b in zip(expected_slots, [v.numpy() for v in fresh.generator_optimizer.variables]):
        np.testing.assert_array_equal(a, b)

def test_non_finite_loss_stops_with_step_and_checkpoint(tmp_path):
    def exploding(fake_logits):
        return tf.reduce_mean(fake_logits) * np.float32("nan")

    trainer = make_trainer()
    trainer.generator_loss = exploding
    settings = loop.LoopSettings(steps=5, batch_size=8, checkpoint_every=1000)
    with pytest.raises(NonFiniteLossError, match=r"step 1\. No checkpoint was saved yet"):
        loop.fit(trainer, lambda step: image_batches(), str(tmp_path), settings)

MIRRORED_SCRIPT = r"""
import sys
import numpy as np
from tfgan_image.training import strategy as strategy_lib
strategy_lib.split_cpu(2)
import tensorflow as tf
sys.path.insert(0, sys.argv[1])
from test_trainer import make_trainer

def batches():
    return tf.data.Dataset.from_tensor_slices(
        np.random.default_rng(0).uniform(-1, 1, [16, 28, 28, 1]).astype(np.float32)).batch(16)

def fixed_latents(batch):
    # Deterministic per-example noise, so both runs see identical inputs on every replica.
    return tf.tile(tf.reduce_mean(batch, axis=[1, 2]), [1, 8]) * 3.0

results = []
for name in ("default", "mirrored"):
    strategy = strategy_lib.make_strategy(name)
    with strategy.scope():
        trainer = make_trainer(model="mlp", strategy=strategy, update="alternating",
                               generator_inputs=fixed_latents, ema_decay=None)
    logs = trainer.train_step(trainer.distribute(batches()))
    results.append((strategy.num_replicas_in_sync, float(logs["loss/D/adv"]),
                    [w.copy() for w in trainer.generator.get_weights()]))
(r0, loss0, w0), (r1, loss1, w1) = results
assert (r0, r1) == (1, 2), (r0, r1)
assert abs(loss0 - loss1) < 1e-5, (loss0, loss1)
for a, b in zip(w0, w1):
    np.testing.assert_allclose(a, b, atol=2e-5)
print("MIRRORED_OK")
"""

@pytest.mark.slow
def test_mirrored_two_replicas_match_one_device():
    """MirroredStrategy over 2 logical CPUs gives the same step as one device."""
    result = subprocess.run(
        [sys.executable, "-c", MIRRORED_SCRIPT, os.path.join(REPO_ROOT, "tests")],
        capture_output=True, text=True, timeout=900, cwd=REPO_ROOT)
    assert "MIRRORED_OK" in result.stdout, result.stdout[-3000:] + result.stderr[-5000:]

def test_a_stop_signal_during_a_save_waits_for_it_and_nohup_is_respected():
    import os
    import signal

    from tfgan_image.training import loop

    previous_hup = signal.signal(signal.SIGHUP, signal.SIG_IGN)   # as nohup starts a job
    try:
        with loop.SignalHandlers("SIGUSR1") as handlers:
            assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
            os.kill(os.getpid(), signal.SIGUSR1)
            assert handlers.save_requested
            finished = []
            with pytest.raises(KeyboardInterrupt) as stopped:
                with handlers.saving():
                    os.kill(os.getpid(), signal.SIGTERM)
                    finished.append("save")   # not cut short by the signal
            assert finished == ["save"] and stopped.value.signum == signal.SIGTERM
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    finally:
        signal.signal(signal.SIGHUP, previous_hup)

def test_a_stop_signal_is_acted_on_between_steps_and_a_second_one_at_once():
    import os
    import signal

    from tfgan_image.training import loop

    with loop.SignalHandlers() as handlers:
        os.kill(os.getpid(), signal.SIGTERM)   # no exception here: the step finishes
        assert handlers.stop_signal == signal.SIGTERM
        with pytest.raises(KeyboardInterrupt) as stopped:
            handlers.check()
        assert stopped.value.signum == signal.SIGTERM
        with pytest.raises(KeyboardInterrupt) as forced:
            os.kill(os.getpid(), signal.SIGINT)
        assert forced.value.signum == signal.SIGTERM
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL

def test_a_failed_write_names_path_cause_and_newest_checkpoint_and_leaves_no_temp(tmp_path):
    import errno

    from tfgan_image.training import loop

    checkpoints = tmp_path / "checkpoints"
    (checkpoints / "ckpt-20_temp").mkdir(parents=True)
    (checkpoints / "ckpt-10.index").write_text("kept")
    (tmp_path / "generator.tmp.keras").write_text("half")
    with pytest.raises(loop.RunWriteError) as failed:
        with loop.writing("checkpoint of step 20", str(checkpoints), str(tmp_path),
                          str(checkpoints / "ckpt-10")):
            raise OSError(errno.ENOSPC, "disk full")
    message = str(failed.value)
    assert "No space left on device" in message and str(checkpoints) in message
    assert "ckpt-10;" in message and "run the same command to resume" in message
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["checkpoints", "ckpt-10.index"]
    with pytest.raises(loop.RunWriteError, match="Read-only file system"):
        with loop.writing("sample grid", str(tmp_path), str(tmp_path), None):
            raise tf.errors.PermissionDeniedError(None, None, "SaveV2 /x/y_temp/part; "
                                                  "Read-only file system")


def test_a_blind_model_warm_starts_a_noise_map_one_exactly():
    """The map's new input weights start at zero: the output ignores the map at first."""
    blind = restoration_models.build_generator(**TINY_UNET)
    for weight in blind.weights:
        weight.assign(np.random.default_rng(1).normal(0, 0.1, weight.shape))
    generator = restoration_models.build_generator(noise_map=True, **TINY_UNET)
    trainer = GANTrainer(generator, restoration_models.build_discriminator(widths=(4,)),
                         tf.keras.optimizers.Adam(), tf.keras.optimizers.Adam(), None, None,
                         generator_inputs=lambda batch: batch[0],
                         ema_decay=0.9)
    trainer.start_generator_from(blind, "--init_from blind")
    image = np.random.default_rng(2).uniform(-1, 1, (1, 8, 8, 3)).astype(np.float32)
    for level in (0.0, 0.4):
        with_map = np.concatenate([image, np.full((1, 8, 8, 1), level, np.float32)], -1)
        np.testing.assert_allclose(generator(with_map), blind(image), atol=1e-6)
    with pytest.raises(ValueError, match="does not fit"):
        trainer.start_generator_from(restoration_models.build_generator(widths=(4, 16),
                                                            convs_per_level=1), "other")
