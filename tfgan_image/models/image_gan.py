"""Networks for square images of any size and 1 or 3 channels, optionally class-conditional
(a projection discriminator, Miyato & Koyama 2018): the DCGAN family below, and SNGAN's ResNets
(``build_resnet_generator`` / ``build_resnet_discriminator``) further down.

The depth follows the image size: the generator starts from a ``base x base`` map (4 to 7
pixels) and doubles it ``n`` times, ``size = base * 2^n`` (32 and 64 and 128 start at 4; 28,
MNIST's size, at 7); the discriminator halves it back. Widths halve per generator block and
double per discriminator block, from ``width`` at full resolution.

  Generator: z [N, latent_dim] (+ label [N] int) -> Dense(base^2 * width * 2^(n-1)) -> BN ->
    ReLU -> n x (Conv2DTranspose(4, stride 2) -> BN -> ReLU) -> Conv2D(3) -> tanh
    -> images [N, size, size, channels] in [-1, 1].
    Conditional: the label's learned embedding is concatenated with z.
  Discriminator: images [N, size, size, channels] (+ label [N]) -> n x (Conv2D(4, stride 2) ->
    LeakyReLU(0.2)) -> flatten -> features h -> logit = Dense(1)(h) (+ <embed(label), h>,
    the projection term) -> logits [N, 1].
Outputs are float32 under any mixed-precision policy.
"""

from typing import Tuple

import keras
from keras import layers

from tfgan_image.layers import FusedBatchNormalization

MIN_BASE, MAX_BASE = 4, 7


def layout(image_size: int) -> Tuple[int, int]:
    """image_size -> (base, n): size = base * 2^n with MIN_BASE <= base <= MAX_BASE and n >= 1.

    ValueError for sizes no such layout fits (e.g. 9 or 100)."""
    size, n = image_size, 0
    while size > MAX_BASE and size % 2 == 0:
        size, n = size // 2, n + 1
    if not (MIN_BASE <= size <= MAX_BASE and n >= 1):
        raise ValueError(f"image size {image_size} is not 4-7 times a power of two (e.g. 28, "
                         f"32, 48, 64, 96, 128).")
    return size, n


def build_generator(image_size: int = 32, channels: int = 3, latent_dim: int = 128,
                    width: int = 64, num_classes: int = 0,
                    label_dim: int = 32) -> keras.Model:
    """z [N, latent_dim] (and, when ``num_classes``, labels [N] int in [0, num_classes)) ->
    images [N, image_size, image_size, channels] in [-1, 1], float32."""
    base, n = layout(image_size)
    z = keras.Input((latent_dim,), name="z")
    inputs, x = [z], z
    if num_classes:
        label = keras.Input((), dtype="int32", name="label")
        inputs.append(label)
        x = layers.Concatenate(name="z_and_label")(
            [z, layers.Embedding(num_classes, label_dim, name="label_embedding")(label)])
    x = layers.Dense(base * base * width * 2 ** (n - 1), use_bias=False, name="project")(x)
    x = layers.Reshape((base, base, width * 2 ** (n - 1)))(x)
    x = FusedBatchNormalization()(x)
    x = layers.ReLU()(x)
    for i in range(n):
        x = layers.Conv2DTranspose(width * 2 ** max(n - 2 - i, 0), 4, strides=2,
                                   padding="same", use_bias=False, name=f"up{i + 1}")(x)
        x = FusedBatchNormalization()(x)
        x = layers.ReLU()(x)
    x = layers.Conv2D(channels, 3, padding="same", name="to_image")(x)
    images = layers.Activation("tanh", dtype="float32", name="images")(x)
    return keras.Model(inputs if num_classes else z, images, name="image_gan_generator")


def build_discriminator(image_size: int = 32, channels: int = 3, width: int = 64,
                        num_classes: int = 0) -> keras.Model:
    """images [N, image_size, image_size, channels] in [-1, 1] (and, when ``num_classes``,
    labels [N] int) -> logits [N, 1], float32."""
    _, n = layout(image_size)
    images = keras.Input((image_size, image_size, channels), name="images")
    x = images
    for i in range(n):
        x = layers.Conv2D(width * 2 ** i, 4, strides=2, padding="same", name=f"down{i + 1}")(x)
        x = layers.LeakyReLU(0.2)(x)
    features = layers.Flatten(name="features")(x)
    return _discriminator_head(images, features, layers.Dense(1, name="logit")(features),
                               num_classes, "image_gan_discriminator")


def _discriminator_head(images, features, logits, num_classes: int, name: str) -> keras.Model:
    """The discriminator model: float32 ``logits`` [N, 1], plus with ``num_classes`` the
    projection cGAN's term <embedding(label), features> (a second input, the label)."""
    if not num_classes:
        logits = layers.Activation("linear", dtype="float32", name="logits")(logits)
        return keras.Model(images, logits, name=name)
    label = keras.Input((), dtype="int32", name="label")
    embedded = layers.Embedding(num_classes, features.shape[-1], name="projection")(label)
    projection = layers.Dot(axes=1, name="projection_term")([embedded, features])
    logits = layers.Add(dtype="float32", name="logits")([logits, projection])
    return keras.Model([images, label], logits, name=name)


# ----------------------------------------------------------------------------- SNGAN ResNets
def _class_affine(x, label, num_classes: int, name: str):
    """x * gamma[label] + beta[label]: a class's own scale and shift after a batch norm
    (conditional batch normalisation), starting at 1 and 0 (plain batch norm)."""
    channels = x.shape[-1]

    def embedded(suffix, initializer):
        e = layers.Embedding(num_classes, channels, embeddings_initializer=initializer,
                             name=f"{name}_{suffix}")(label)
        return layers.Reshape((1, 1, channels))(e)

    return layers.Add()([layers.Multiply()([x, embedded("gamma", "ones")]),
                         embedded("beta", "zeros")])


def _norm_relu(x, label, num_classes: int, name: str):
    x = FusedBatchNormalization(name=f"{name}_bn")(x)
    if num_classes:
        x = _class_affine(x, label, num_classes, name)
    return layers.ReLU()(x)


def _up_block(x, label, width: int, num_classes: int, name: str):
    """SNGAN's generator block: BN-ReLU-upsample-conv3-BN-ReLU-conv3, plus an upsampled 1x1
    shortcut; doubles the size."""
    shortcut = layers.Conv2D(width, 1, name=f"{name}_shortcut")(
        layers.UpSampling2D(2, name=f"{name}_shortcut_up")(x))
    h = _norm_relu(x, label, num_classes, f"{name}_1")
    h = layers.UpSampling2D(2, name=f"{name}_up")(h)
    h = layers.Conv2D(width, 3, padding="same", name=f"{name}_conv1")(h)
    h = _norm_relu(h, label, num_classes, f"{name}_2")
    h = layers.Conv2D(width, 3, padding="same", name=f"{name}_conv2")(h)
    return layers.Add(name=f"{name}_out")([h, shortcut])


def build_resnet_generator(image_size: int = 32, channels: int = 3, latent_dim: int = 128,
                           width: int = 64, num_classes: int = 0) -> keras.Model:
    """SNGAN's ResNet generator (Miyato et al. 2018; conditional: class-conditional batch
    norm, as in Miyato & Koyama 2018): z [N, latent_dim] (and labels [N] int) -> Dense to a
    ``base x base`` map -> ``n`` up blocks -> BN-ReLU-conv3-tanh -> images [N, image_size,
    image_size, channels] in [-1, 1], float32. Widths halve per block from ``width * 2^(n-1)``
    (SNGAN keeps 256 throughout; halving is what a CPU affords)."""
    base, n = layout(image_size)
    z = keras.Input((latent_dim,), name="z")
    label = keras.Input((), dtype="int32", name="label") if num_classes else None
    top = width * 2 ** (n - 1)
    x = layers.Dense(base * base * top, name="project")(z)
    x = layers.Reshape((base, base, top))(x)
    for i in range(n):
        x = _up_block(x, label, width * 2 ** max(n - 2 - i, 0), num_classes, f"up{i + 1}")
    x = _norm_relu(x, label, num_classes, "final")
    x = layers.Conv2D(channels, 3, padding="same", name="to_image")(x)
    images = layers.Activation("tanh", dtype="float32", name="images")(x)
    return keras.Model([z, label] if num_classes else z, images,
                       name="image_gan_resnet_generator")


def _spectral(layer):
    return layers.SpectralNormalization(layer, name=f"{layer.name}_sn")


def _down_block(x, width: int, name: str, first: bool):
    """SNGAN's discriminator block with spectral normalisation: (ReLU-)conv3-ReLU-conv3-
    avgpool, plus a 1x1 shortcut (pooled after it, or before it in the first block); halves
    the size."""
    h = x if first else layers.ReLU()(x)
    h = _spectral(layers.Conv2D(width, 3, padding="same", name=f"{name}_conv1"))(h)
    h = layers.ReLU()(h)
    h = _spectral(layers.Conv2D(width, 3, padding="same", name=f"{name}_conv2"))(h)
    h = layers.AveragePooling2D(2, name=f"{name}_pool")(h)
    conv = _spectral(layers.Conv2D(width, 1, name=f"{name}_shortcut"))
    pool = layers.AveragePooling2D(2, name=f"{name}_shortcut_pool")
    shortcut = conv(pool(x)) if first else pool(conv(x))
    return layers.Add(name=f"{name}_out")([h, shortcut])


def build_resnet_discriminator(image_size: int = 32, channels: int = 3, width: int = 64,
                               num_classes: int = 0) -> keras.Model:
    """SNGAN's ResNet discriminator, every conv and the output layer spectrally normalised:
    images [N, image_size, image_size, channels] in [-1, 1] (and labels [N] int) -> ``n``
    down blocks (widths doubling from ``width``) -> ReLU -> sum over positions -> features h
    -> logit = SN-Dense(1)(h) (+ <embed(label), h>, the projection) -> logits [N, 1], float32.
    """
    _, n = layout(image_size)
    images = keras.Input((image_size, image_size, channels), name="images")
    x = images
    for i in range(n):
        x = _down_block(x, width * 2 ** i, f"down{i + 1}", first=i == 0)
    x = layers.ReLU()(x)
    positions = x.shape[1] * x.shape[2]   # SNGAN sums over positions: the mean times their count
    features = layers.Rescaling(positions, name="features")(
        layers.GlobalAveragePooling2D(name="mean_over_positions")(x))
    logits = _spectral(layers.Dense(1, name="logit"))(features)
    return _discriminator_head(images, features, logits, num_classes,
                               "image_gan_resnet_discriminator")
