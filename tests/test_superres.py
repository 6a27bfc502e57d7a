"""superres: both training stages end to end, resuming, the GAN fine-tune of a given model
and clear errors."""

import json
import os

import numpy as np
import pytest
from conftest import tensorboard_tags

from tfgan_image import errors, export, superres
from tfgan_image.data import sources
from tfgan_image.evaluation.superres import SuperResolutionEvaluator


def tiny_config(workdir, **overrides):
    values = dict(workdir=str(workdir), scale=2, steps=3, gan_steps=2, batch_size=2,
                  crop_size=8, gan_crop_size=8, width=8, blocks=1,
                  discriminator_widths=(4, 8), perceptual_stages=("block1",),
                  perceptual_offset_range=4, feature_backbone="hed_vgg16", eval_every=0,
                  eval_crop=48, tile=32, log_every=1, sample_every=0, checkpoint_every=2)
    values.update(overrides)
    return superres.SuperResolutionConfig(**values)


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("sr") / "run"
    return workdir, superres.run(tiny_config(workdir))


def test_both_stages_train_evaluate_and_export(trained_run):
    workdir, result = trained_run
    scores = result["scores"]
    assert list(scores) == ["bicubic", superres.STAGE_NAMES[1], superres.STAGE_NAMES[2]]
    for values in scores.values():
        assert np.isfinite(values["psnr_y"]) and 0 < values["ssim_y"] <= 1
        assert values["vgg_distance"] >= 0
        assert set(f"psnr_y/{n}" for n in ("astronaut", "chelsea", "coffee")) <= set(values)
    with open(workdir / "summary.json") as f:
        assert json.load(f)["scores"] == json.loads(json.dumps(scores))
    for stage in (1, 2):
        stage_dir = workdir / f"stage{stage}"
        for name in ("generator.keras", "generator.tflite", "generator_float16.tflite",
                     "saved_model", "config.json"):
            assert os.path.exists(stage_dir / name), (stage, name)
    # Stage 1 is L1 only; stage 2 adds the perceptual and adversarial terms and trains D.
    assert os.path.exists(workdir / "comparison.png")
    tensorboard = {stage: tensorboard_tags(workdir / f"stage{stage}" / "tensorboard")
                   for stage in (1, 2)}
    assert "loss/G/l1" in tensorboard[1] and "loss/G/adv" not in tensorboard[1]
    assert {"loss/G/perceptual", "loss/G/adv", "loss/D/adv"} <= tensorboard[2]
    # Stage 2 started from stage 1 and moved away from it.
    stage1, stage2 = (export.load_generator(str(workdir), stage) for stage in (1, 2))
    assert any(np.abs(a - b).max() > 0 for a, b in zip(stage1.get_weights(),
                                                        stage2.get_weights()))
    assert export.generator_path(str(workdir)).endswith(os.path.join("stage2",
                                                                     "generator.keras"))


def test_rerun_resumes_without_training_again(trained_run, capsys):
    workdir, result = trained_run
    again = superres.run(tiny_config(workdir))
    assert "Resumed from" in capsys.readouterr().out
    assert again["scores"][superres.STAGE_NAMES[1]]["psnr_y"] == pytest.approx(
        result["scores"][superres.STAGE_NAMES[1]]["psnr_y"])


def test_gan_fine_tune_of_a_given_model(trained_run, tmp_path):
    # --init_from with --steps=0: stage 1 is the given model as it is; stage 2 tunes it.
    workdir, _ = trained_run
    source = export.generator_path(str(workdir), 1)
    result = superres.run(tiny_config(tmp_path / "tuned", steps=0, gan_steps=1,
                                      init_from=source))
    assert list(result["scores"]) == ["bicubic", *superres.STAGE_NAMES.values()]
    for a, b in zip(export.load_generator(str(tmp_path / "tuned"), 1).get_weights(),
                    export.load_model_file(source).get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_missing_stage_is_a_clear_error(trained_run, tmp_path):
    workdir, _ = trained_run
    with pytest.raises(errors.RunError, match="no trained stage-3 generator"):
        export.load_generator(str(workdir), 3)
    with pytest.raises(errors.RunError, match="does not exist"):
        export.load_generator(str(tmp_path / "nowhere"))


def test_a_real_world_run_trains_and_validates_on_the_real_world_chain(tmp_path):
    config = tiny_config(tmp_path, degradation="real", scale=4, gan_steps=0, steps=2)
    scores = superres.run(config)["scores"]
    assert np.isfinite(scores[superres.STAGE_NAMES[1]]["psnr_y"])
    # Its validation inputs are the chain's, seeded: bicubic upscaling of them scores far
    # below bicubic upscaling of clean downscales of the same photos.
    photos = sources.load_photos("embedded").held_out
    clean = SuperResolutionEvaluator(photos, range(len(photos)), 4, max_side=48)
    assert scores["bicubic"]["psnr_y"] < clean.score_bicubic().metrics()["psnr_y"] - 0.5


def test_an_rfdn_run_on_overlapping_patches_trains_exports_and_its_generator_loads(
        tmp_path, capsys):
    from tfgan_image import export
    from tfgan_image.data import pipeline

    config = tiny_config(tmp_path, architecture="rfdn", gan_steps=0, steps=2,
                         overlapping_patches=True)
    superres.run(config)
    train = sources.load_photos("embedded").train
    overlapping, apart = (len(pipeline.patch_bank(train, 32, stride)) for stride in (16, None))
    assert f"{overlapping} training patches" in capsys.readouterr().out
    assert overlapping > apart
    generator = export.load_generator(str(tmp_path), 1)
    assert any(layer.name.endswith("_esa_weigh") for layer in generator.layers)
    assert generator(np.zeros((1, 5, 6, 3), np.float32)).shape == (1, 10, 12, 3)
    with pytest.raises(ValueError, match="multiple of 4"):
        tiny_config(tmp_path / "other", architecture="rfdn", width=6)
