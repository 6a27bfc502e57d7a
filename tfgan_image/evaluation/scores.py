"""The typed result every evaluator returns: mean scores, scores per image, time."""

import dataclasses
from typing import Dict, List


@dataclasses.dataclass(frozen=True)
class Scores:
    """One method's scores on one image set.

    mean: {metric: mean over the images}, e.g. {"psnr": 30.9, "ssim": 0.87}.
    per_image: [{"image": file name, metric: value, ...}] in the set's order.
    seconds_per_image: wall time of the method per image (0 for a fixed input); a speed is
    only comparable with another measured side by side in the same process.
    """
    mean: Dict[str, float]
    per_image: List[Dict[str, object]]
    seconds_per_image: float = 0.0

    def metrics(self) -> Dict[str, float]:
        """Flat {metric: mean, "seconds_per_image", "<first metric>/<image>": value}: what a
        training run logs to metrics.jsonl and TensorBoard."""
        first = next(iter(self.mean))
        return {**self.mean, "seconds_per_image": self.seconds_per_image,
                **{f"{first}/{row['image']}": row[first] for row in self.per_image}}

    def to_json(self) -> dict:
        return {"mean": dict(self.mean), "per_image": [dict(row) for row in self.per_image],
                "seconds_per_image": self.seconds_per_image}


def format_score(metric: str, value) -> str:
    """A score as tables print it: SSIM to 4 decimals, PSNR to 2, others 4 significant
    digits; non-numbers as they are."""
    if not isinstance(value, (int, float)):
        return str(value)
    if metric.startswith("ssim"):
        return f"{value:.4f}"
    return f"{value:.2f}" if metric.startswith("psnr") else f"{value:.4g}"


def mean_over_images(names: List[str], per_metric: Dict[str, List[float]],
                     seconds_per_image: float = 0.0) -> Scores:
    """Scores from {metric: [value per image]} of the images ``names``."""
    mean = {metric: float(sum(values) / len(values)) for metric, values in per_metric.items()}
    per_image = [{"image": name, **{m: float(v[i]) for m, v in per_metric.items()}}
                 for i, name in enumerate(names)]
    return Scores(mean, per_image, seconds_per_image)
