"""Evaluation metrics as plain functions on numpy arrays.

Distribution metrics compare *features* of two image sets, [N, D] float arrays, taken from a
frozen network (``tfgan_image.features``); which network is a property of the experiment and
must be reported with the number (an MNIST-classifier FID is not an Inception FID).

* ``frechet_distance``: ||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a S_b)^(1/2)) (Heusel et al.
  2017). Biased upwards for small N; compare numbers computed with the same N.
* ``kernel_distance``: KID (Binkowski et al. 2018), unbiased MMD^2 with the cubic polynomial
  kernel k(x, y) = (x.y / D + 1)^3, averaged over random subsets.
* ``classifier_score``: exp(E_x KL(p(y|x) || p(y))) from class logits; the Inception-score
  analogue, between 1 and the number of classes (10 for digits).
"""

import numpy as np


def _as_features(features):
    features = np.asarray(features, np.float64)
    if features.ndim != 2:
        raise ValueError(f"features must be [N, D], got shape {features.shape}")
    return features


def _sqrtm_psd(matrix):
    """Symmetric square root of a symmetric positive semi-definite matrix."""
    values, vectors = np.linalg.eigh(matrix)
    return (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T


def frechet_distance(features_a, features_b) -> float:
    """Frechet distance between Gaussians fitted to two feature sets [N, D] and [M, D]."""
    a, b = _as_features(features_a), _as_features(features_b)
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a = np.atleast_2d(np.cov(a, rowvar=False))
    cov_b = np.atleast_2d(np.cov(b, rowvar=False))
    # Tr((S_a S_b)^(1/2)) = sum of sqrt(eig(S_a^(1/2) S_b S_a^(1/2))), a symmetric PSD product,
    # which avoids the complex round-off of scipy.linalg.sqrtm on a non-symmetric product.
    root_a = _sqrtm_psd(cov_a)
    cross = np.linalg.eigvalsh(root_a @ cov_b @ root_a)
    trace_sqrt = np.sum(np.sqrt(np.clip(cross, 0.0, None)))
    return float(np.sum((mu_a - mu_b) ** 2) + np.trace(cov_a) + np.trace(cov_b)
                 - 2.0 * trace_sqrt)


def _unbiased_mmd2(x, y):
    dim = x.shape[1]
    k_xx = (x @ x.T / dim + 1.0) ** 3
    k_yy = (y @ y.T / dim + 1.0) ** 3
    k_xy = (x @ y.T / dim + 1.0) ** 3
    m, n = len(x), len(y)
    return ((k_xx.sum() - np.trace(k_xx)) / (m * (m - 1))
            + (k_yy.sum() - np.trace(k_yy)) / (n * (n - 1)) - 2.0 * k_xy.mean())


def kernel_distance(features_a, features_b, num_subsets: int = 10, subset_size: int = 1000,
                    seed: int = 0) -> float:
    """KID: mean unbiased MMD^2 over ``num_subsets`` random subsets (without replacement)."""
    a, b = _as_features(features_a), _as_features(features_b)
    size = min(subset_size, len(a), len(b))
    if size < 2:
        raise ValueError("kernel_distance needs at least 2 samples per set")
    rng = np.random.default_rng(seed)
    return float(np.mean([
        _unbiased_mmd2(a[rng.choice(len(a), size, replace=False)],
                       b[rng.choice(len(b), size, replace=False)])
        for _ in range(num_subsets)]))


def classifier_score(logits) -> float:
    """exp(E[KL(p(y|x) || p(y))]) from class logits [N, K]; in [1, K]."""
    logits = np.asarray(logits, np.float64)
    log_p = logits - logits.max(1, keepdims=True)
    log_p -= np.log(np.exp(log_p).sum(1, keepdims=True))
    p = np.exp(log_p)
    log_marginal = np.log(p.mean(0) + 1e-30)
    kl = np.sum(p * (log_p - log_marginal), axis=1)
    return float(np.exp(kl.mean()))


def class_histogram(logits, num_classes: int = 10) -> np.ndarray:
    """Fraction of samples predicted as each class, [num_classes] (sums to 1)."""
    predicted = np.argmax(np.asarray(logits), axis=1)
    return np.bincount(predicted, minlength=num_classes) / max(len(predicted), 1)


def psnr(target, prediction, data_range: float = 2.0) -> float:
    """Peak signal-to-noise ratio in dB over whole arrays (images in [-1, 1] by default)."""
    mse = np.mean((np.asarray(target, np.float64) - np.asarray(prediction, np.float64)) ** 2)
    return float("inf") if mse == 0 else float(10.0 * np.log10(data_range ** 2 / mse))


def rgb_to_y(images) -> np.ndarray:
    """Luma Y of RGB images [..., 3] in [0, 255] (ITU-R BT.601, MATLAB ``rgb2ycbcr``
    convention: Y in [16, 235]), float64."""
    rgb = np.asarray(images, np.float64) / 255.0
    return 16.0 + rgb @ np.array([65.481, 128.553, 24.966])


def _crop_border(image, border: int):
    if not border:
        return image
    return image[border:image.shape[0] - border, border:image.shape[1] - border]


def image_psnr(target, prediction, y_channel: bool = False, border: int = 0) -> float:
    """PSNR in dB of 8-bit images [H, W, C] (values in [0, 255]); on the luma Y (MATLAB
    convention, as super-resolution papers report) when ``y_channel``; ``border`` pixels
    cropped from each side first."""
    target, prediction = np.asarray(target, np.float64), np.asarray(prediction, np.float64)
    if y_channel:
        target, prediction = rgb_to_y(target), rgb_to_y(prediction)
    return psnr(_crop_border(target, border), _crop_border(prediction, border), 255.0)


def image_ssim(target, prediction, y_channel: bool = False, border: int = 0) -> float:
    """SSIM of 8-bit images [H, W, C] with Wang et al.'s settings (11x11 Gaussian window,
    sigma 1.5, K1 0.01, K2 0.03), averaged over channels (or on Y when ``y_channel``)."""
    from skimage.metrics import structural_similarity

    target, prediction = np.asarray(target, np.float64), np.asarray(prediction, np.float64)
    if y_channel:
        target, prediction = rgb_to_y(target)[..., None], rgb_to_y(prediction)[..., None]
    return float(structural_similarity(
        _crop_border(target, border), _crop_border(prediction, border), data_range=255.0,
        channel_axis=-1, gaussian_weights=True, sigma=1.5, use_sample_covariance=False))


def modcrop(image, scale: int):
    """The top-left [H - H % scale, W - W % scale] window of an image [H, W, ...] (the
    high-resolution image a x``scale`` super-resolution result is compared with)."""
    height, width = image.shape[0], image.shape[1]
    return image[:height - height % scale, :width - width % scale]


def super_resolution_psnr(high_resolution, prediction, scale: int) -> float:
    """PSNR as super-resolution papers report it: both images (uint8-valued RGB [H, W, 3]) on
    the BT.601 luma Y (MATLAB ``rgb2ycbcr``), ``scale`` pixels shaved from every border. The
    high-resolution image is modcropped to a multiple of ``scale`` (the prediction must have
    that size)."""
    high_resolution = modcrop(np.asarray(high_resolution), scale)
    _check_same_shape(high_resolution, prediction)
    return image_psnr(high_resolution, prediction, y_channel=True, border=scale)


def super_resolution_ssim(high_resolution, prediction, scale: int) -> float:
    """SSIM on Y with the same crop as :func:`super_resolution_psnr`."""
    high_resolution = modcrop(np.asarray(high_resolution), scale)
    _check_same_shape(high_resolution, prediction)
    return image_ssim(high_resolution, prediction, y_channel=True, border=scale)


def _check_same_shape(a, b):
    if np.shape(a) != np.shape(b):
        raise ValueError(f"Image shapes differ: {np.shape(a)} vs {np.shape(b)}.")


def feature_distance(feature_extractor, images_a, images_b) -> float:
    """A perceptual distance of image pairs (lower is closer): for each feature map of
    ``feature_extractor`` (e.g. ``features.vgg_features(VGG_STAGES)``), features normalised
    to unit length over channels at every position, squared differences summed over channels
    and averaged over positions; then averaged over maps and images. LPIPS without its
    learned channel weights (Zhang et al. 2018, "baseline" variant).

    images_a, images_b: uint8-valued RGB [H, W, 3] (one pair) or [N, H, W, 3].
    """
    a = np.asarray(images_a, np.float32)
    b = np.asarray(images_b, np.float32)
    if a.ndim == 3:
        a, b = a[None], b[None]
    _check_same_shape(a, b)
    from tfgan_image.losses import feature_maps

    maps_a = feature_maps(feature_extractor, a / 127.5 - 1.0)
    maps_b = feature_maps(feature_extractor, b / 127.5 - 1.0)
    distances = []
    for fa, fb in zip(maps_a, maps_b):
        fa, fb = np.asarray(fa, np.float64), np.asarray(fb, np.float64)
        fa = fa / (np.sqrt(np.sum(fa ** 2, -1, keepdims=True)) + 1e-10)
        fb = fb / (np.sqrt(np.sum(fb ** 2, -1, keepdims=True)) + 1e-10)
        distances.append(np.mean(np.sum((fa - fb) ** 2, -1)))
    return float(np.mean(distances))


METRICS = {
    "frechet_distance": frechet_distance,
    "kernel_distance": kernel_distance,
    "classifier_score": classifier_score,
    "psnr": psnr,
    "image_psnr": image_psnr,
    "image_ssim": image_ssim,
    "super_resolution_psnr": super_resolution_psnr,
    "super_resolution_ssim": super_resolution_ssim,
    "feature_distance": feature_distance,
}
