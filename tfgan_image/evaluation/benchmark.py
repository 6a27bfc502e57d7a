"""Scores an image-to-image model on a folder of images with the published conventions: the
library behind ``python -m tfgan_image.benchmark``.

    from tfgan_image import pretrained
    from tfgan_image.evaluation import benchmark
    results = benchmark.benchmark(pretrained.load("sr_x4"), "Set5/", "super_resolution",
                                  model_name="sr_x4")
    print(benchmark.table(results))

Super-resolution: each image modcropped to the scale, low resolution by MATLAB's bicubic
(or, with ``degradation="real"``, Real-ESRGAN's chain of blur, resizing, noise and JPEG,
seeded: how real-world upscalers are scored; nothing is published with it), Y-PSNR / Y-SSIM
with ``scale`` pixels shaved (``SuperResolutionEvaluator``); the measured bicubic row beside
it. Denoising: Gaussian noise per sigma, seeded, clipped to 8 bits or not
(``RestorationEvaluator.denoising``), RGB PSNR / SSIM; the noisy input's row beside it. Other
restoration tasks: the task's own degradation, seeded. On a standard set (Set5, Set14,
CBSD68) the published rows are added (``published``).
"""

import dataclasses
import os
from typing import List, Optional, Sequence

import numpy as np

from tfgan_image import progress
from tfgan_image.data import degrade, degrade_real, sources
from tfgan_image.errors import RunError
from tfgan_image.evaluation import published
from tfgan_image.evaluation.restoration import RestorationEvaluator
from tfgan_image.evaluation.scores import Scores, format_score
from tfgan_image.evaluation.superres import SuperResolutionEvaluator

SUPER_RESOLUTION = "super_resolution"
TASKS = (SUPER_RESOLUTION,) + degrade_real.TASKS
DEFAULT_SIGMAS = (15.0, 25.0, 50.0)
DEGRADATIONS = ("bicubic", "real")   # super-resolution's low-resolution inputs


class BenchmarkError(RunError):
    """A benchmark that cannot run: the message names the problem (the CLI prints it)."""


@dataclasses.dataclass(frozen=True)
class BenchmarkResult:
    """One model on one image folder at one setting (a scale, a noise level, a task)."""
    model: str
    task: str
    setting: dict               # {"scale": 4} | {"scale": 4, "degradation": "real", "seed": 0}
    #                             | {"sigma": 25, "noise": "clipped"} | {"seed": 0}
    data: str                   # the folder
    standard_set: Optional[str]   # "set5" / "set14" / "cbsd68", or None
    precision: str
    scores: Scores              # the model's
    baseline: str               # "bicubic" | "noisy input" | "degraded input"
    baseline_scores: Scores
    published: List[published.PublishedRow]

    def to_json(self) -> dict:
        """{"model", "task", "setting", "data", "images", "mean", "per_image", ...}."""
        return {"model": self.model, "task": self.task, "setting": self.setting,
                "data": self.data, "standard_set": self.standard_set,
                "precision": self.precision, "images": len(self.scores.per_image),
                **self.scores.to_json(),
                "baseline": {"method": self.baseline, **self.baseline_scores.to_json()},
                "published": [dataclasses.asdict(row) for row in self.published]}


def read_folder(folder: str):
    """(uint8 RGB images, file names) of every image in ``folder`` (sorted by path);
    DataError naming a missing folder, an empty one or an unreadable file."""
    paths = sources.list_image_files(folder)
    return ([sources.read_image(path) for path in paths],
            [os.path.relpath(path, folder) for path in paths])


def benchmark(model, folder: str, task: str, model_name: str = "model",
              sigmas: Sequence[float] = DEFAULT_SIGMAS, clip: bool = True, seed: int = 0,
              precision: str = "float32", tile: int = 512, show_progress: bool = True,
              degrade_settings: Optional[degrade.DegradeSettings] = None,
              blind: bool = False, degradation: str = "bicubic") -> List[BenchmarkResult]:
    """Scores ``model`` (a Keras image-to-image model on [-1, 1] RGB) on every image of
    ``folder``: one result for super-resolution and the non-denoising tasks, one per sigma
    for "denoise". ``precision``: what the model computes in (float32: the same numbers on
    every CPU). A denoiser with a noise-level input is given the true sigma (as FFDNet's
    tables are), or with ``blind`` the level ``apply`` estimates from each image.
    ``degradation``: super-resolution's low-resolution inputs, one of DEGRADATIONS."""
    from tfgan_image.inference import model_scale, model_stride, takes_noise_level

    if task not in TASKS:
        raise BenchmarkError(f"Unknown task {task!r}; choose one of {', '.join(TASKS)}.")
    if degradation not in DEGRADATIONS:
        raise BenchmarkError(f"Unknown degradation {degradation!r}; choose one of "
                             f"{', '.join(DEGRADATIONS)}.")
    if degradation != "bicubic" and task != SUPER_RESOLUTION:
        raise BenchmarkError(f"degradation={degradation} is for super-resolution; a "
                             f"restoration model's degradation is its task ({task}).")
    images, names = read_folder(folder)
    standard = published.standard_set(folder, len(images))

    def bar(description):
        return lambda items: progress.bar(items, hidden=not show_progress, desc=description,
                                          unit="img", leave=False)

    def result(setting, scores, baseline, baseline_scores, rows):
        return BenchmarkResult(model_name, task, setting, folder, standard, precision, scores,
                               baseline, baseline_scores, rows)

    scale = model_scale(model, model_stride(model))
    if task == SUPER_RESOLUTION:
        if scale == 1:
            raise BenchmarkError(f"{model_name} does not upscale: benchmark it as a "
                                 f"restoration task (e.g. --task=denoise).")
        real = degradation == "real"
        evaluator = SuperResolutionEvaluator(
            images, names, scale, max_side=0,
            degrader=degrade_real.make_real_degrader(scale) if real else None, seed=seed)
        setting = ({"scale": scale, "degradation": "real", "seed": seed} if real
                   else {"scale": scale})
        rows = [] if real else published.rows_for(task, standard, ("scale", scale))
        scores = evaluator.score_model(model, tile, precision, bar(f"{model_name} x{scale}"))
        return [result(setting, scores, "bicubic", evaluator.score_bicubic(), rows)]
    if scale != 1:
        raise BenchmarkError(f"{model_name} upscales x{scale}: benchmark it as "
                             f"{SUPER_RESOLUTION}, not {task}.")
    if task == "denoise":
        results = []
        for sigma in sigmas:
            evaluator = RestorationEvaluator.denoising(images, names, sigma, seed, clip)
            if blind:
                evaluator.noise_level = None
            scores = evaluator.score_model(model, tile, precision,
                                           bar(f"{model_name} sigma {sigma:g}"))
            setting = {"sigma": sigma, "noise": "clipped" if clip else "unclipped"}
            if takes_noise_level(model):
                setting["noise_level"] = "estimated" if blind else "given"
            results.append(result(setting,
                                  scores, "noisy input", evaluator.score_degraded(),
                                  published.rows_for(task, standard, ("sigma", sigma))))
        return results
    textures = sources.embedded_textures().astype(np.float32) / 255.0
    degrader = degrade_real.make_task_degrader(task, degrade_settings, textures)
    evaluator = RestorationEvaluator.with_degrader(images, names, degrader, seed)
    scores = evaluator.score_model(model, tile, precision, bar(f"{model_name} {task}"))
    return [result({"seed": seed}, scores, "degraded input", evaluator.score_degraded(), [])]


def table(results: Sequence[BenchmarkResult]) -> str:
    """The results as the papers print them: one block per setting, the model's row, the
    measured baseline and the published rows with their sources."""
    blocks = []
    for r in results:
        metric_names = list(r.scores.mean)
        setting = ", ".join(f"{k} {v:g}" if isinstance(v, float) else f"{k} {v}"
                            for k, v in r.setting.items())
        where = r.standard_set or os.path.basename(os.path.normpath(r.data))
        lines = [f"{r.model} on {where} ({len(r.scores.per_image)} images; {r.task}"
                 f"{'; ' + setting if setting else ''}; computed in {r.precision})"]
        rows = [(r.model, r.scores.mean, ""),
                (f"{r.baseline} (measured)", r.baseline_scores.mean, "")]
        rows += [(row.method, row.scores, row.source) for row in r.published]
        width = max(len(name) for name, _, _ in rows) + 2
        lines.append("method".ljust(width) + "".join(m.rjust(10) for m in metric_names)
                     + "  source")
        for name, values, source in rows:
            lines.append(name.ljust(width) + "".join(
                (format_score(m, values[m]) if m in values else "-").rjust(10)
                for m in metric_names)
                + (f"  {source}" if source else ""))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)
