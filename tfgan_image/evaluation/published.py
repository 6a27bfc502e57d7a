"""Published results on the standard test sets, each with its source: the rows a benchmark
table and a model card print beside a model's own score. One place for all of them.

Super-resolution: PSNR / SSIM on the luma Y, ``scale`` pixels shaved, low resolution by
MATLAB's bicubic imresize (``evaluation.superres``). Colour denoising: RGB PSNR on CBSD68 with
additive white Gaussian noise of std sigma (0-255), not clipped (``evaluation.restoration``).
"""

import dataclasses
import os
from typing import Dict, List, Optional, Tuple


@dataclasses.dataclass(frozen=True)
class PublishedRow:
    method: str
    scores: Dict[str, float]   # {"psnr_y": ..., "ssim_y": ...} or {"psnr": ...}
    source: str                # the paper that reports it


# A standard set is recognised by its folder's name and its number of images.
STANDARD_SETS = {"set5": 5, "set14": 14, "cbsd68": 68}

SOURCES = {
    "bicubic": "MATLAB bicubic, as tabulated by Kim et al., CVPR 2016 (VDSR)",
    "SRCNN": "Dong et al., TPAMI 2016",
    "VDSR": "Kim et al., CVPR 2016",
    "CARN": "Ahn et al., ECCV 2018",
    "IMDN": "Hui et al., ACM MM 2019",
    "CBM3D": "Dabov et al., ICIP 2007, as tabulated by Zhang et al., TIP 2018 (FFDNet)",
    "CDnCNN-B": "Zhang et al., TIP 2017 (DnCNN)",
    "FFDNet": "Zhang et al., TIP 2018",
    "DRUNet": "Zhang et al., TPAMI 2021 (DPIR)",
}

# (method, scale) -> {set: (Y-PSNR, Y-SSIM)}
_SUPER_RESOLUTION = {
    ("bicubic", 2): {"set5": (33.66, 0.9299), "set14": (30.24, 0.8688)},
    ("bicubic", 4): {"set5": (28.42, 0.8104), "set14": (26.00, 0.7027)},
    ("SRCNN", 2): {"set5": (36.66, 0.9542), "set14": (32.45, 0.9067)},
    ("SRCNN", 4): {"set5": (30.48, 0.8628), "set14": (27.50, 0.7513)},
    ("VDSR", 2): {"set5": (37.53, 0.9587), "set14": (33.03, 0.9124)},
    ("VDSR", 4): {"set5": (31.35, 0.8838), "set14": (28.01, 0.7674)},
    ("CARN", 2): {"set5": (37.76, 0.9590), "set14": (33.52, 0.9166)},
    ("CARN", 4): {"set5": (32.13, 0.8937), "set14": (28.60, 0.7806)},
    ("IMDN", 2): {"set5": (38.00, 0.9605), "set14": (33.63, 0.9177)},
    ("IMDN", 4): {"set5": (32.21, 0.8948), "set14": (28.58, 0.7811)},
}
# method -> {sigma: RGB PSNR on CBSD68}
_COLOUR_DENOISING = {
    "CBM3D": {15: 33.52, 25: 30.71, 50: 27.38},
    "CDnCNN-B": {15: 33.89, 25: 31.23, 50: 27.92},
    "FFDNet": {15: 33.87, 25: 31.21, 50: 27.96},
    "DRUNet": {15: 34.30, 25: 31.69, 50: 28.51},
}


def standard_set(folder: str, count: int) -> Optional[str]:
    """The standard set a folder of ``count`` images is ("set5", "set14", "cbsd68"), by its
    name and size; None for any other folder."""
    name = os.path.basename(os.path.normpath(folder)).lower()
    return name if STANDARD_SETS.get(name) == count else None


def super_resolution_rows(set_name: str, scale: int) -> List[PublishedRow]:
    """The published x``scale`` rows of ``set_name`` (empty when none are cited)."""
    return [PublishedRow(method, {"psnr_y": values[set_name][0], "ssim_y": values[set_name][1]},
                         SOURCES[method])
            for (method, s), values in _SUPER_RESOLUTION.items()
            if s == scale and set_name in values]


def denoising_rows(set_name: str, sigma: float) -> List[PublishedRow]:
    """The published colour-denoising rows of ``set_name`` at ``sigma`` (empty when none)."""
    if set_name != "cbsd68":
        return []
    return [PublishedRow(method, {"psnr": values[sigma]}, SOURCES[method])
            for method, values in _COLOUR_DENOISING.items() if sigma in values]


def rows_for(task: str, set_name: Optional[str], setting: Tuple[str, float]
             ) -> List[PublishedRow]:
    """Published rows for a benchmark ``task`` ("super_resolution" or "denoise") on
    ``set_name`` at ``setting`` (("scale", s) or ("sigma", s))."""
    if set_name is None:
        return []
    kind, value = setting
    if task == "super_resolution" and kind == "scale":
        return super_resolution_rows(set_name, int(value))
    if task == "denoise" and kind == "sigma":
        return denoising_rows(set_name, value)
    return []
