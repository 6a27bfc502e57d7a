"""The evaluation package: the evaluators, the published rows, the per-class probe and the
benchmark command."""

import json
import os

import numpy as np
import pytest
from conftest import TINY_UNET, level_sensitive_model, run_module
from PIL import Image

from tfgan_image import metrics
from tfgan_image.data import matlab_resize
from tfgan_image.evaluation import benchmark, published
from tfgan_image.evaluation import image_gan as image_gan_evaluation
from tfgan_image.evaluation.restoration import RestorationEvaluator
from tfgan_image.evaluation.scores import mean_over_images
from tfgan_image.evaluation.superres import SuperResolutionEvaluator
from tfgan_image.models import restoration as restoration_models


def photos(count=3, size=(48, 40), seed=0):
    rng = np.random.default_rng(seed)
    base = rng.integers(40, 200, (count, 1, 1, 3))
    ramp = np.linspace(0, 40, size[1])[None, None, :, None]
    return [np.clip(b + ramp + rng.normal(0, 5, size + (3,)), 0, 255).astype(np.uint8)[0]
            for b in base]

def test_scores_keep_the_mean_and_every_image():
    scores = mean_over_images(["a", "b"], {"psnr": [30.0, 32.0], "ssim": [0.5, 0.7]}, 0.25)
    assert scores.mean == {"psnr": 31.0, "ssim": pytest.approx(0.6)}
    assert scores.metrics()["psnr/b"] == 32.0 and scores.metrics()["seconds_per_image"] == 0.25
    assert scores.to_json()["per_image"][0] == {"image": "a", "psnr": 30.0, "ssim": 0.5}

def test_denoising_noise_is_seeded_and_unclipped_noise_has_its_sigma():
    clean = [np.full((64, 64, 3), 128, np.uint8)]
    unclipped = RestorationEvaluator.denoising(clean, ["grey"], 25, seed=3, clip=False)
    again = RestorationEvaluator.denoising(clean, ["grey"], 25, seed=3, clip=True)
    assert unclipped.degraded[0].dtype == np.float64 and again.degraded[0].dtype == np.uint8
    np.testing.assert_array_equal(np.clip(np.round(unclipped.degraded[0]), 0, 255),
                                  again.degraded[0])
    # PSNR of noise of std 25 on the 0-255 scale: 20 log10(255 / 25) = 20.17 dB.
    assert unclipped.score_degraded().mean["psnr"] == pytest.approx(20.17, abs=0.1)
    identity = unclipped.score(lambda image: np.clip(np.round(image), 0, 255).astype(np.uint8))
    # rounding to 8 bits moves it by a few thousandths of a dB
    assert identity.mean["psnr"] == pytest.approx(unclipped.score_degraded().mean["psnr"],
                                                  abs=0.01)
    perfect = again.score(lambda image: clean[0])
    assert perfect.mean["psnr"] == float("inf") and perfect.mean["ssim"] == pytest.approx(1.0)

def test_super_resolution_evaluator_scores_like_the_papers():
    images = photos()
    evaluator = SuperResolutionEvaluator(images, ["a", "b", "c"], 4, max_side=0)
    assert [h.shape for h in evaluator.high] == [(48, 40, 3)] * 3
    assert [low.shape for low in evaluator.low] == [(12, 10, 3)] * 3
    bicubic = evaluator.score_bicubic()
    by_hand = [metrics.super_resolution_psnr(h, matlab_resize.upscale(low, 4), 4)
               for h, low in zip(evaluator.high, evaluator.low)]
    assert bicubic.mean["psnr_y"] == pytest.approx(np.mean(by_hand))
    assert [row["image"] for row in bicubic.per_image] == ["a", "b", "c"]
    cheat = dict((id(low), high) for low, high in zip(evaluator.low, evaluator.high))
    perfect = evaluator.score(lambda low: cheat.get(id(low), np.zeros((64, 64, 3), np.uint8)))
    assert perfect.mean["psnr_y"] == float("inf")

def test_figure_is_written(tmp_path):
    images = photos()
    evaluator = RestorationEvaluator.denoising(images, ["a", "b", "c"], 15)
    evaluator.score(lambda image: image)
    path = evaluator.figure([("identity", evaluator.outputs)], str(tmp_path / "f.png"), rows=2,
                            crop=32)
    assert Image.open(path).size[0] > 100

def test_standard_sets_are_known_by_name_and_size_and_their_rows_are_cited():
    assert published.standard_set("/data/benchmarks/Set5/", 5) == "set5"
    assert published.standard_set("/data/set5", 6) is None
    rows = published.super_resolution_rows("set14", 4)
    vdsr = next(r for r in rows if r.method == "VDSR")
    assert vdsr.scores == {"psnr_y": 28.01, "ssim_y": 0.7674} and "Kim" in vdsr.source
    ffdnet = next(r for r in published.denoising_rows("cbsd68", 25) if r.method == "FFDNet")
    assert ffdnet.scores["psnr"] == 31.21
    assert published.denoising_rows("set5", 25) == []

def tiny_upscaler(scale=2):
    from tfgan_image.models import superres

    return superres.build_generator(scale=scale, width=4, blocks=1)

def write_folder(folder, images):
    os.makedirs(folder, exist_ok=True)
    for i, image in enumerate(images):
        Image.fromarray(image).save(os.path.join(folder, f"img{i}.png"))
    return str(folder)

def test_benchmark_of_a_standard_set_adds_the_published_rows(tmp_path):
    folder = write_folder(tmp_path / "set5", photos(5))
    [result] = benchmark.benchmark(tiny_upscaler(2), folder, "super_resolution", "tiny",
                                   show_progress=False)
    assert result.standard_set == "set5" and result.setting == {"scale": 2}
    assert {row.method for row in result.published} >= {"bicubic", "VDSR", "IMDN"}
    payload = result.to_json()
    assert payload["images"] == 5 and set(payload["mean"]) == {"psnr_y", "ssim_y"}
    assert payload["baseline"]["method"] == "bicubic" and len(payload["per_image"]) == 5
    assert "sr_x2 on" not in benchmark.table([result]) and "VDSR" in benchmark.table([result])

def test_benchmark_through_the_real_degradation_is_seeded_and_has_no_published_rows(tmp_path):
    folder = write_folder(tmp_path / "set5", photos(5, size=(64, 64)))
    model = tiny_upscaler(2)

    def run(seed, degradation="real"):
        [result] = benchmark.benchmark(model, folder, "super_resolution", "tiny", seed=seed,
                                       show_progress=False, degradation=degradation)
        return result

    real, again, other_seed, clean = run(0), run(0), run(1), run(0, "bicubic")
    assert real.setting == {"scale": 2, "degradation": "real", "seed": 0}
    assert real.standard_set == "set5" and real.published == []   # none published this way
    assert real.scores.mean == again.scores.mean
    for result in (other_seed, clean):   # other inputs: other bicubic scores
        assert result.baseline_scores.mean["psnr_y"] != real.baseline_scores.mean["psnr_y"]
    # blur, noise and JPEG cost the bicubic upscale of these smooth ramps fidelity
    assert real.baseline_scores.mean["psnr_y"] < clean.baseline_scores.mean["psnr_y"]
    with pytest.raises(benchmark.BenchmarkError, match="is for super-resolution"):
        benchmark.benchmark(restoration_models.build_generator(**TINY_UNET), folder, "denoise",
                            show_progress=False, degradation="real")
    with pytest.raises(benchmark.BenchmarkError, match="Unknown degradation"):
        run(0, "jpeg")

def test_benchmark_names_a_missing_folder_and_a_corrupt_image(tmp_path):
    from tfgan_image.data.sources import DataError

    with pytest.raises(DataError, match="does not exist"):
        benchmark.read_folder(str(tmp_path / "no_such"))
    folder = write_folder(tmp_path / "photos", photos(1))
    (tmp_path / "photos" / "broken.png").write_bytes(b"not a png")
    with pytest.raises(DataError, match="broken.png"):
        benchmark.read_folder(folder)

def test_benchmark_refuses_a_task_the_model_does_not_do(tmp_path):
    folder = write_folder(tmp_path / "photos", photos(2))
    with pytest.raises(ValueError, match="upscales x2"):
        benchmark.benchmark(tiny_upscaler(2), folder, "denoise", show_progress=False)

def test_benchmark_gives_a_noise_map_model_the_true_level_unless_blind(tmp_path):
    from tfgan_image.models import restoration as restoration_models

    model = restoration_models.build_generator(widths=(4, 8), convs_per_level=1,
                                               noise_map=True)
    for weight in model.weights:   # a map-sensitive model
        weight.assign(np.random.default_rng(3).normal(0, 0.2, weight.shape))
    folder = write_folder(tmp_path / "photos", photos(2))
    [given] = benchmark.benchmark(model, folder, "denoise", sigmas=[60], show_progress=False)
    [blind] = benchmark.benchmark(model, folder, "denoise", sigmas=[60], show_progress=False,
                                  blind=True)
    assert given.setting["noise_level"] == "given" and blind.setting["noise_level"] == "estimated"
    assert given.scores.mean["psnr"] != blind.scores.mean["psnr"]

@pytest.mark.slow
def test_benchmark_command_scores_a_shipped_model_and_names_bad_input(tmp_path):
    folder = write_folder(tmp_path / "photos", photos(2, size=(32, 36)))
    output = tmp_path / "out.json"
    done = run_module("tfgan_image.benchmark", "--model=sr_x2", f"--data=folder:{folder}",
                      f"--output={output}")
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(output.read_text())
    assert result["model"] == "sr_x2" and result["task"] == "super_resolution"
    assert result["images"] == 2 and result["mean"]["psnr_y"] > result["baseline"]["mean"][
        "psnr_y"]
    assert "sr_x2 on photos" in done.stdout
    for flags, message in [(["--model=sr_x2", "--scale=4", f"--data=folder:{folder}"],
                            "does not match"),
                           (["--model=nope", f"--data=folder:{folder}"], "No pretrained model")]:
        done = run_module("tfgan_image.benchmark", *flags)
        assert done.returncode in (1, 2), flags
        lines = done.stderr.strip().splitlines()
        assert lines[-1].startswith("Error:") and message in lines[-1], done.stderr[-500:]

def test_second_digit_judge_agrees_with_the_first_on_real_digits_not_on_noise(tmp_path):
    """The shipped second judge (another architecture, affine augmentation): on real digits the
    two judges rarely disagree; noise is far from real digits in its features."""
    from tfgan_image.data import pipeline, sources
    from tfgan_image.evaluation.digits import second_judge_scores
    from tfgan_image.features import digit_classifier

    splits = sources.embedded_mnist()
    judge, first = digit_classifier(judge="residual"), digit_classifier()
    held_out = pipeline.to_unit_range(splits.held_out).numpy()
    real = held_out[:500]
    scores = second_judge_scores(real, judge, judge(held_out)[0], first(real)[1])
    assert scores["judges_disagree"] < 0.1
    noise = np.random.default_rng(0).uniform(-1, 1, real.shape).astype(np.float32)
    assert second_judge_scores(noise, judge, judge(held_out)[0],
                               first(noise)[1])["frechet_distance"] > 10 * scores[
                                   "frechet_distance"]
    with pytest.raises(ValueError, match="Unknown digit judge"):
        digit_classifier(str(tmp_path / "x.keras"), judge="vit")


def test_per_class_accuracy():
    predicted = np.array([0, 0, 1, 1, 1, 0])
    requested = np.array([0, 0, 0, 1, 1, 1])
    per_class = image_gan_evaluation.per_class_accuracy(predicted, requested, 3)
    assert per_class[:2] == [pytest.approx(2 / 3), pytest.approx(2 / 3)]
    assert np.isnan(per_class[2])   # never requested


def test_the_evaluator_gives_a_noise_map_model_the_true_level():
    clean = [(np.full((16, 16, 3), 100, np.uint8))]
    evaluator = RestorationEvaluator.denoising(clean, ["card"], sigma=25, clip=False)
    assert evaluator.noise_level == 25 and evaluator.degraded[0].dtype == np.float64
    assert evaluator.model_options(level_sensitive_model()) == {"noise_level": 25}
    assert evaluator.model_options(restoration_models.build_generator(**TINY_UNET)) == {}


def test_printed_screen_keeps_flat_tones_and_repeats_at_its_pitch():
    from tfgan_image.evaluation import screens

    for level in (0, 64, 128, 200, 255):
        flat = np.full((64, 64, 3), level, np.uint8)
        printed = screens.clustered_dot_screen(flat, pitch=8)
        assert abs(printed.astype(float).mean() - level) < 4, level
    grey = screens.clustered_dot_screen(np.full((64, 64, 3), 128, np.uint8), pitch=8)
    assert set(np.unique(grey[..., 2])) - {0, 255}   # scanned: dot edges are grey
    profile = grey[..., 2].astype(float).mean(0)      # yellow screen at 0 degrees
    spectrum = np.abs(np.fft.rfft(profile - profile.mean()))
    assert int(np.argmax(spectrum)) == 64 // 8        # one dot every 8 pixels
    with pytest.raises(ValueError, match="RGB"):
        screens.clustered_dot_screen(np.zeros((8, 8, 4), np.uint8), pitch=4)


def test_digits_by_code_tables_the_digit_each_infogan_code_draws():
    """A generator whose code c draws digit (3c mod 10), but codes 1 and 2 both draw 1s: the
    table has one 1.0 per row, in those columns, and the lines name the digits."""
    import keras

    from tfgan_image.evaluation.digits import describe_codes, digits_by_code

    drawn = np.array([0, 1, 1, 9])   # the digit of each of 4 codes

    def generator(z, training=False):   # the "image": the code as a number
        code = np.argmax(np.asarray(z)[:, :4], 1)
        return np.broadcast_to(code[:, None, None, None], (len(code), 28, 28, 1)).astype(
            np.float32)

    def classifier(images):   # reads the code and says its digit, with certainty
        logits = keras.ops.one_hot(drawn[images[:, 0, 0, 0].astype(int)], 10) * 20.0
        return np.zeros((len(images), 8)), np.asarray(logits)

    table = digits_by_code(generator, classifier, latent_dim=6, categories=4, num_samples=400)
    assert table.shape == (4, 10)
    expected = np.zeros((4, 10))
    expected[np.arange(4), drawn] = 1.0
    np.testing.assert_array_equal(table, expected)
    mixed = np.zeros((2, 10))
    mixed[0, [3, 7]] = [0.9, 0.1]
    mixed[1, [5, 8, 2]] = [0.55, 0.4, 0.05]
    assert describe_codes(mixed) == "code 0: 3 (90%), 7 (10%)\ncode 1: 5 (55%), 8 (40%)"
