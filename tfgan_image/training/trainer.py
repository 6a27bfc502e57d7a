"""GANTrainer: one trainer for every model family in the library.

Families plug in by passing models, optimizers and functions, never by subclassing:

* ``generator_loss(fake_logits)`` / ``discriminator_loss(real_logits, fake_logits)`` from
  ``tfgan_image.losses`` (any logits rank, so PatchGAN critics work unchanged);
* ``generator_inputs(batch)``, ``real_images(batch)``, ``discriminator_inputs(batch, images)``
  say how a data batch feeds the networks. The defaults describe an unconditional GAN: the
  batch *is* the real images, G gets Gaussian noise, D gets images. A conditional family
  (restoration: batch = (degraded, clean)) passes its own three functions;
* ``concat_real_fake``: D scores real and fake images in one call on the concatenated batch
  (faster: one larger pass instead of two). Identical results for critics without batch
  statistics (DCGAN, PatchGAN with instance norm); turn it off for a critic with BatchNorm
  that should see pure-real and pure-fake batches;
* ``extra_generator_losses``: {name: (weight, fn(batch, generated) -> scalar)} for L1,
  perceptual or style terms, each logged (unweighted) as ``loss/G/<name>``; a fn may instead
  return {part: scalar} (terms sharing one expensive pass, e.g. content and style losses from
  one VGG call): their sum is weighted, each part logged as ``loss/G/<name>/<part>``;
  ``adversarial_weight`` scales the adversarial term of G's loss (logged unweighted as
  ``loss/G/adv``), e.g. 0.01 against L1 weight 1 as in pix2pix (lambda = 100); 0 skips the
  discriminator entirely (supervised training of G on the extra losses).

One optimisation step (``train_step``) runs inside a single ``tf.function``:
``n_critic`` discriminator updates (``d_step``), then one generator update (``g_step``), then
the EMA generator update. With ``update="joint"`` (n_critic must be 1) D and G are instead
updated from one shared forward pass, as in the TensorFlow DCGAN tutorial: cheaper per step,
the standard "simultaneous gradient" GAN update.

Distribution: every per-replica loss is divided by the number of replicas and Keras sums the
gradients across replicas, so a step on a global batch of B matches one device on B.
"""

import dataclasses
from typing import Callable, Dict, Optional, Tuple

import keras
import numpy as np
import tensorflow as tf

from tfgan_image import losses, penalties
from tfgan_image.training import ema as ema_lib


class NonFiniteLossError(FloatingPointError):
    """A loss became NaN or Inf; the message names the step and the last good checkpoint."""


def _gaussian_latents(latent_dim: int) -> Callable:
    def generator_inputs(batch):
        return tf.random.normal([tf.shape(batch)[0], latent_dim])
    return generator_inputs


def _identity_real_images(batch):
    return batch


def _repeat_batch(batch):
    """The batch twice along axis 0 (every tensor in it), to pair with [real; fake]."""
    return tf.nest.map_structure(lambda t: tf.concat([t, t], axis=0), batch)


# Hooks for paired batches (input image, target image) -- restoration, super-resolution.
# Plain tensor plumbing: no autograph conversion (which re-reads source files at trace time).
@tf.autograph.experimental.do_not_convert
def pair_input(batch):
    """The generator's input of a paired batch (input, target)."""
    return batch[0]


@tf.autograph.experimental.do_not_convert
def pair_target(batch):
    """The real images of a paired batch (input, target)."""
    return batch[1]


@tf.autograph.experimental.do_not_convert
def pair_l1(batch, images):
    """L1 between the target of a paired batch and the generated images (an extra G loss)."""
    return losses.l1_loss(batch[1], images)


def pair_perceptual(feature_extractor, offset_range: int = 0) -> Callable:
    """Perceptual loss between the target of a paired batch and the generated images, on the
    features of ``feature_extractor`` (e.g. ``features.vgg_features()``): an extra G loss.
    ``offset_range`` > 0: both are first cropped at one random offset below it
    (``losses.crop_at_random_offset``), so no pattern locked to VGG's pooling grid pays."""
    @tf.autograph.experimental.do_not_convert
    def perceptual(batch, images):
        target, images = losses.crop_at_random_offset((batch[1], images), offset_range)
        return losses.perceptual_loss(feature_extractor, target, images)

    return perceptual


def _images_only(batch, images):
    del batch
    return images


@dataclasses.dataclass(eq=False)
class GANTrainer:
    """Holds the networks, optimizers and loss functions; compiles the train step.

    Build the models and call the constructor inside ``strategy.scope()`` when a strategy is
    used (``GANTrainer.create`` does both). Images are [N, H, W, C] in [-1, 1].

    ``latent_code`` (InfoGAN, Chen et al. 2016): the generator reads a categorical code of
    that many categories from the first entries of its Gaussian latent
    (``layers.CategoricalCode``) and the discriminator outputs [N, 1 + latent_code], its
    realness logit and a Q head's code logits; D's Q head and G both minimise
    ``code_weight`` x the cross-entropy between the code and Q's logits on generated images
    (the mutual-information lower bound), so each code becomes one kind of image.
    ``continuous_codes``: that many more latent entries, after the categorical code, which the
    Q head estimates after the code logits ([N, 1 + latent_code + continuous_codes]); their
    loss is the Gaussian negative log-likelihood with unit variance (half the squared error,
    summed over the codes), added to the code loss, so each becomes one continuous factor.
    """
    generator: keras.Model
    discriminator: keras.Model
    generator_optimizer: keras.optimizers.Optimizer
    discriminator_optimizer: keras.optimizers.Optimizer
    generator_loss: Callable
    discriminator_loss: Callable
    latent_dim: Optional[int] = None
    generator_inputs: Optional[Callable] = None
    real_images: Callable = _identity_real_images
    discriminator_inputs: Callable = _images_only
    extra_generator_losses: Dict[str, Tuple[float, Callable]] = dataclasses.field(
        default_factory=dict)
    adversarial_weight: float = 1.0
    n_critic: int = 1
    update: str = "alternating"
    gradient_penalty_weight: float = 0.0
    r1_weight: float = 0.0
    augment: Optional[Callable] = None
    latent_code: int = 0
    continuous_codes: int = 0
    code_weight: float = 1.0
    concat_real_fake: bool = True
    ema_decay: Optional[float] = 0.999
    jit_compile: bool = False
    strategy: Optional[tf.distribute.Strategy] = None

    def __post_init__(self):
        if self.update not in ("alternating", "joint"):
            raise ValueError(f"update must be 'alternating' or 'joint', got {self.update!r}")
        if self.update == "joint" and self.n_critic != 1:
            raise ValueError("update='joint' needs n_critic=1.")
        if self.n_critic < 1:
            raise ValueError(f"n_critic must be >= 1, got {self.n_critic}")
        if not self.adversarial and not self.extra_generator_losses:
            raise ValueError("adversarial_weight=0 leaves G nothing to learn from: pass "
                             "extra_generator_losses.")
        if self.generator_inputs is None:
            if self.latent_dim is None:
                raise ValueError("Pass latent_dim (unconditional GAN) or generator_inputs.")
            self.generator_inputs = _gaussian_latents(self.latent_dim)
        self.strategy = self.strategy or tf.distribute.get_strategy()
        with self.strategy.scope():
            self.step = tf.Variable(0, dtype=tf.int64, trainable=False, name="step")
            self.ema_generator = (ema_lib.clone_for_ema(self.generator)
                                  if self.ema_decay else None)
            # Keras 3 optimizers must own their slots before the first distributed step.
            self.generator_optimizer.build(self.generator.trainable_variables)
            self.discriminator_optimizer.build(self.discriminator.trainable_variables)
        self._compiled_step = None
        self._jit_fns = {}

    # ------------------------------------------------------------------ per-replica math
    def _critic_outputs(self, batch, images, training=True):
        """(D logits [N, 1], Q head [N, latent_code + continuous_codes] or None) for ``images``
        (after DiffAugment when enabled)."""
        if self.augment is not None:
            images = self.augment(images)
        outputs = self.discriminator(self.discriminator_inputs(batch, images),
                                     training=training)
        if not self.has_codes:
            return outputs, None
        return outputs[:, :1], outputs[:, 1:]

    @property
    def has_codes(self) -> bool:
        """Whether the generator reads InfoGAN codes and D has a Q head."""
        return bool(self.latent_code or self.continuous_codes)

    def _critic(self, batch, images, training=True):
        """D logits for ``images`` (after DiffAugment when enabled)."""
        return self._critic_outputs(batch, images, training)[0]

    def _code_loss(self, latents, q_outputs):
        """InfoGAN's loss: cross-entropy between the latents' categorical code and Q's logits,
        plus half the squared error of Q's estimates of the continuous codes (summed over
        them, averaged over the batch)."""
        from tfgan_image.layers import CategoricalCode

        q_outputs = tf.cast(q_outputs, tf.float32)
        loss = tf.constant(0.0)
        if self.latent_code:
            codes = CategoricalCode.code(latents, self.latent_code)
            loss += tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(
                codes, q_outputs[:, :self.latent_code], from_logits=True))
        if self.continuous_codes:
            codes = tf.cast(latents[:, self.latent_code:
                                    self.latent_code + self.continuous_codes], tf.float32)
            loss += 0.5 * tf.reduce_mean(tf.reduce_sum(
                tf.square(codes - q_outputs[:, self.latent_code:]), axis=-1))
        return loss

    def _discriminator_losses(self, batch, real, fake, latents=None):
        """Total D loss and its named parts, for real and (gradient-stopped) fake images
        (made from ``latents``, which the code loss needs)."""
        if self.concat_real_fake:
            logits, code_logits = self._critic_outputs(_repeat_batch(batch),
                                                       tf.concat([real, fake], axis=0))
            real_logits, fake_logits = tf.split(logits, 2, axis=0)
            if code_logits is not None:
                code_logits = tf.split(code_logits, 2, axis=0)[1]
        else:
            real_logits = self._critic(batch, real)
            fake_logits, code_logits = self._critic_outputs(batch, fake)
        adversarial = self.discriminator_loss(real_logits, fake_logits)
        logs = {"loss/D/adv": adversarial,
                "D/real_logit": tf.reduce_mean(tf.cast(real_logits, tf.float32)),
                "D/fake_logit": tf.reduce_mean(tf.cast(fake_logits, tf.float32))}
        total = adversarial
        if self.has_codes:
            logs["loss/D/code"] = self._code_loss(latents, code_logits)
            total += self.code_weight * logs["loss/D/code"]

        def critic(images):
            return self._critic(batch, images)

        if self.gradient_penalty_weight:
            logs["loss/D/gp"] = penalties.gradient_penalty(critic, real, fake)
            total += self.gradient_penalty_weight * logs["loss/D/gp"]
        if self.r1_weight:
            logs["loss/D/r1"] = penalties.r1_penalty(critic, real)
            total += self.r1_weight * logs["loss/D/r1"]
        logs["loss/D/total"] = total
        return total, logs

    @property
    def adversarial(self) -> bool:
        """False when ``adversarial_weight`` is 0: G trains on its extra losses alone and the
        discriminator is neither evaluated nor updated (a plain supervised step)."""
        return self.adversarial_weight != 0

    @property
    def batches_per_step(self) -> int:
        """Batches one ``train_step`` consumes (n_critic for alternating GAN updates)."""
        return self.n_critic if self.adversarial and self.update == "alternating" else 1

    def _generator_losses(self, batch, fake, latents=None):
        logs, total = {}, tf.constant(0.0)
        if self.adversarial:
            logits, code_logits = self._critic_outputs(batch, fake)
            logs["loss/G/adv"] = self.generator_loss(logits)
            total = self.adversarial_weight * logs["loss/G/adv"]
            if self.has_codes:
                logs["loss/G/code"] = self._code_loss(latents, code_logits)
                total += self.code_weight * logs["loss/G/code"]
        for name, (weight, loss_fn) in self.extra_generator_losses.items():
            value = loss_fn(batch, fake)
            if isinstance(value, dict):
                parts = {f"loss/G/{name}/{part}": tf.cast(v, tf.float32)
                         for part, v in value.items()}
                logs.update(parts)
                total += weight * tf.add_n(list(parts.values()))
            else:
                logs[f"loss/G/{name}"] = tf.cast(value, tf.float32)
                total += weight * logs[f"loss/G/{name}"]
        logs["loss/G/total"] = total
        return total, logs

    def _scaled(self, optimizer, loss):
        """The loss to differentiate: a share of the global mean, times the loss scale.

        Must be computed inside the tape so the tape records it.
        """
        return optimizer.scale_loss(loss / self.strategy.num_replicas_in_sync)

    @staticmethod
    def _apply(optimizer, tape, scaled_loss, variables):
        grads = tape.gradient(scaled_loss, variables)
        optimizer.apply_gradients(zip(grads, variables))

    def d_step(self, batch):
        """One discriminator update on one (per-replica) batch; returns named scalars."""
        real = self.real_images(batch)
        latents = self.generator_inputs(batch)
        fake = tf.stop_gradient(self.generator(latents, training=True))
        with tf.GradientTape() as tape:
            total, logs = self._discriminator_losses(batch, real, fake, latents)
            scaled = self._scaled(self.discriminator_optimizer, total)
        self._apply(self.discriminator_optimizer, tape, scaled,
                    self.discriminator.trainable_variables)
        return logs

    def g_step(self, batch):
        """One generator update on one (per-replica) batch; returns named scalars."""
        with tf.GradientTape() as tape:
            latents = self.generator_inputs(batch)
            fake = self.generator(latents, training=True)
            total, logs = self._generator_losses(batch, fake, latents)
            scaled = self._scaled(self.generator_optimizer, total)
        self._apply(self.generator_optimizer, tape, scaled, self.generator.trainable_variables)
        return logs

    def joint_step(self, batch):
        """D and G updated from one forward pass (the tutorial's simultaneous update)."""
        real = self.real_images(batch)
        with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
            latents = self.generator_inputs(batch)
            fake = self.generator(latents, training=True)
            d_total, d_logs = self._discriminator_losses(batch, real, fake, latents)
            g_total, g_logs = self._generator_losses(batch, fake, latents)
            d_scaled = self._scaled(self.discriminator_optimizer, d_total)
            g_scaled = self._scaled(self.generator_optimizer, g_total)
        self._apply(self.discriminator_optimizer, d_tape, d_scaled,
                    self.discriminator.trainable_variables)
        self._apply(self.generator_optimizer, g_tape, g_scaled,
                    self.generator.trainable_variables)
        return {**d_logs, **g_logs}

    # ------------------------------------------------------------------ compiled step
    def _mean_over_replicas(self, per_replica_logs):
        return {name: self.strategy.reduce(tf.distribute.ReduceOp.MEAN, value, axis=None)
                for name, value in per_replica_logs.items()}

    def _replica_fn(self, fn):
        # XLA compiles the math of each replica step; reading the iterator stays outside it.
        if not self.jit_compile:
            return fn
        if fn.__name__ not in self._jit_fns:
            self._jit_fns[fn.__name__] = tf.function(fn, jit_compile=True)
        return self._jit_fns[fn.__name__]

    def _run(self, fn, batch):
        return self._mean_over_replicas(self.strategy.run(self._replica_fn(fn), args=(batch,)))

    def _train_step(self, iterator):
        if not self.adversarial:
            logs = self._run(self.g_step, next(iterator))
        elif self.update == "joint":
            logs = self._run(self.joint_step, next(iterator))
        else:
            for _ in range(self.n_critic):
                batch = next(iterator)
                d_logs = self._run(self.d_step, batch)
            logs = {**d_logs, **self._run(self.g_step, batch)}
        if self.ema_generator is not None:
            ema_lib.update_ema(self.ema_generator, self.generator, self.ema_decay, self.step)
        self.step.assign_add(1)
        return logs

    def train_step(self, iterator) -> Dict[str, tf.Tensor]:
        """Runs one full GAN step, pulling ``n_critic`` batches from ``iterator``.

        ``iterator`` comes from ``iter(strategy.experimental_distribute_dataset(ds))`` (or
        plain ``iter(ds)`` on the default strategy). Returns float32 scalars by name.
        """
        if self._compiled_step is None:
            self._compiled_step = tf.function(self._train_step)
        return self._compiled_step(iterator)

    def distribute(self, dataset: tf.data.Dataset):
        """An iterator over ``dataset`` split across the strategy's replicas."""
        return iter(self.strategy.experimental_distribute_dataset(dataset))

    @property
    def sampling_generator(self) -> keras.Model:
        """The EMA generator when EMA is on, else the trained generator."""
        return self.ema_generator if self.ema_generator is not None else self.generator

    def start_generator_from(self, model: keras.Model, source: str) -> None:
        """Copies ``model``'s weights into the generator and its EMA copy (a warm start);
        ValueError naming ``source`` when its weights do not fit the generator's. A conv
        kernel of the generator with more input channels than ``model``'s (e.g. a denoiser
        given a noise-level map) gets ``model``'s kernel, and zeros for the new channels."""
        have = [tuple(w.shape) for w in self.generator.weights]
        given = [tuple(w.shape) for w in model.weights]
        if len(have) != len(given) or not all(map(_fits_padded, given, have)):
            first = next((i for i, (a, b) in enumerate(zip(given, have))
                          if not _fits_padded(a, b)), min(len(have), len(given)))
            shapes = (f"weight {first}: {given[first] if first < len(given) else 'none'} vs "
                      f"{have[first] if first < len(have) else 'none'}")
            raise ValueError(f"{source} does not fit this run's generator ({len(given)} vs "
                             f"{len(have)} weight arrays; {shapes}): use the network settings "
                             f"it was trained with (its card or config.json).")
        weights = [np.pad(w, [(0, 0)] * (w.ndim - 2) + [(0, shape[-2] - w.shape[-2]), (0, 0)])
                   if w.shape != shape else w
                   for w, shape in zip(model.get_weights(), have)]
        self.generator.set_weights(weights)
        if self.ema_generator is not None:
            self.ema_generator.set_weights(weights)

    def checkpoint(self) -> tf.train.Checkpoint:
        """Everything needed to resume: networks, EMA generator, optimizers, step."""
        parts = dict(generator=self.generator, discriminator=self.discriminator,
                     generator_optimizer=self.generator_optimizer,
                     discriminator_optimizer=self.discriminator_optimizer, step=self.step)
        if self.ema_generator is not None:
            parts["ema_generator"] = self.ema_generator
        return tf.train.Checkpoint(**parts)


def _fits_padded(given: tuple, have: tuple) -> bool:
    """Equal shapes, or a conv kernel [kh, kw, c_in, c_out] that ``have`` extends by input
    channels only."""
    return given == have or (len(given) == 4 == len(have) and given[-2] < have[-2]
                             and given[:2] + given[3:] == have[:2] + have[3:])


def adversarial_trainer(config, generator: keras.Model, discriminator: keras.Model,
                        strategy: tf.distribute.Strategy, **hooks) -> GANTrainer:
    """The GANTrainer of a latent-noise GAN config: Adam optimizers from its
    ``g_learning_rate``, ``d_learning_rate``, ``beta_1``, ``beta_2`` and ``precision``; the
    adversarial loss pair ``loss``; ``update``, ``n_critic``, ``gradient_penalty_weight``,
    ``r1_weight``, ``diff_augment``, ``ema_decay`` and ``jit``. ``hooks``: further
    GANTrainer fields (``latent_dim`` or ``generator_inputs``, ...). Call inside
    ``strategy.scope()`` and the config's precision policy, where the models were built."""
    from tfgan_image import precision
    from tfgan_image.augment import diff_augment_fn

    adversarial = losses.adversarial_loss(config.loss)
    return GANTrainer(
        generator=generator, discriminator=discriminator,
        generator_optimizer=precision.make_adam(config.g_learning_rate, config.beta_1,
                                                config.beta_2, config.precision, "g_adam"),
        discriminator_optimizer=precision.make_adam(config.d_learning_rate, config.beta_1,
                                                    config.beta_2, config.precision, "d_adam"),
        generator_loss=adversarial.generator, discriminator_loss=adversarial.discriminator,
        n_critic=config.n_critic, update=config.update,
        gradient_penalty_weight=config.gradient_penalty_weight, r1_weight=config.r1_weight,
        augment=diff_augment_fn(config.diff_augment), ema_decay=config.ema_decay or None,
        jit_compile=config.jit, strategy=strategy, **hooks)
