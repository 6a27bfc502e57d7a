"""Images/second of the DCGAN train step: this library's GANTrainer vs. the TF tutorial's step.

    python tools/bench_train.py [--batch_size=256] [--steps=30] [--xla] [--out=FILE.md]

The reference is a plain re-implementation of the TensorFlow DCGAN tutorial's ``train_step``
(same architecture, float32, ``tf.function``, one shared forward pass for both tapes), run in
the same process on the same data. Each trainer setting (precision x XLA x update mode) is
timed after warm-up; the last line reads ``speedup vs tutorial float32: X.XXx`` for the fastest.
Everything runs on the reference architecture (``models/dcgan.py`` defaults), batch 256.
"""

import time

import keras
import numpy as np
import tensorflow as tf
from absl import app, flags

from tfgan_image import losses, precision
from tfgan_image.data import pipeline, sources
from tfgan_image.models import dcgan
from tfgan_image.training import GANTrainer

FLAGS = flags.FLAGS
flags.DEFINE_integer("batch_size", 256, "Global batch size (the tutorial's).")
flags.DEFINE_integer("steps", 30, "Timed steps per setting (after warm-up).")
flags.DEFINE_integer("warmup", 5, "Untimed steps per setting.")
flags.DEFINE_integer("repeats", 3, "Timing repeats per setting; the best is reported.")
flags.DEFINE_string("out", "", "Optional Markdown file for the table.")
flags.DEFINE_boolean("xla", False, "Also time jit_compile=True (XLA compiles these steps for "
                     "minutes on a 2-core CPU and runs them slower than plain tf.function).")


def tutorial_step_fn(generator, discriminator, g_opt, d_opt, batch_size, noise_dim=100):
    """The TensorFlow DCGAN tutorial's train_step, verbatim in structure."""
    cross_entropy = keras.losses.BinaryCrossentropy(from_logits=True)

    @tf.function
    def train_step(images):
        noise = tf.random.normal([batch_size, noise_dim])
        with tf.GradientTape() as gen_tape, tf.GradientTape() as disc_tape:
            generated_images = generator(noise, training=True)
            real_output = discriminator(images, training=True)
            fake_output = discriminator(generated_images, training=True)
            gen_loss = cross_entropy(tf.ones_like(fake_output), fake_output)
            disc_loss = (cross_entropy(tf.ones_like(real_output), real_output)
                         + cross_entropy(tf.zeros_like(fake_output), fake_output))
        gen_grads = gen_tape.gradient(gen_loss, generator.trainable_variables)
        disc_grads = disc_tape.gradient(disc_loss, discriminator.trainable_variables)
        g_opt.apply_gradients(zip(gen_grads, generator.trainable_variables))
        d_opt.apply_gradients(zip(disc_grads, discriminator.trainable_variables))
        return gen_loss
    return train_step


def images_per_second(step, steps, warmup, repeats, batch_size):
    for _ in range(warmup):
        step()
    best = 0.0
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(steps):
            out = step()
        float(out)  # wait for the last step
        best = max(best, steps * batch_size / (time.perf_counter() - start))
    return best


def main(argv):
    del argv
    batch = FLAGS.batch_size
    train = sources.embedded_mnist().train
    dataset = pipeline.training_batches(train, batch, seed=0)

    results = []
    keras.utils.set_random_seed(0)
    with precision.precision_policy("float32"):
        generator, discriminator = dcgan.build_generator(), dcgan.build_discriminator()
    tutorial = tutorial_step_fn(generator, discriminator, keras.optimizers.Adam(1e-4),
                                keras.optimizers.Adam(1e-4), batch)
    iterator = iter(dataset)
    reference = images_per_second(lambda: tutorial(next(iterator)), FLAGS.steps,
                                  FLAGS.warmup, FLAGS.repeats, batch)
    results.append(("tutorial train_step", "float32", "no", "joint", reference))
    print(f"tutorial float32: {reference:.0f} img/s", flush=True)

    settings = [("float32", False, "joint"), ("mixed_bfloat16", False, "joint"),
                ("mixed_bfloat16", False, "alternating")]
    if FLAGS.xla:
        settings += [("float32", True, "joint"), ("mixed_bfloat16", True, "joint")]
    for prec, jit, update in settings:
            keras.utils.set_random_seed(0)
            with precision.precision_policy(prec):
                trainer = GANTrainer(
                    dcgan.build_generator(), dcgan.build_discriminator(),
                    precision.make_adam(1e-4, 0.9, 0.999, prec, "g_adam"),
                    precision.make_adam(1e-4, 0.9, 0.999, prec, "d_adam"),
                    losses.non_saturating_generator_loss,
                    losses.non_saturating_discriminator_loss,
                    latent_dim=100, update=update, ema_decay=0.999, jit_compile=jit)
            iterator = trainer.distribute(dataset)
            speed = images_per_second(lambda: trainer.train_step(iterator)["loss/G/adv"],
                                      FLAGS.steps, FLAGS.warmup, FLAGS.repeats, batch)
            results.append(("GANTrainer (EMA on)", prec, "yes" if jit else "no", update,
                            speed))
            print(f"GANTrainer {prec} jit={jit} {update}: {speed:.0f} img/s "
                  f"({speed / reference:.2f}x)", flush=True)

    lines = ["| step | precision | XLA | update | img/s | vs tutorial float32 |",
             "|---|---|---|---|---|---|"]
    lines += [f"| {name} | {prec} | {jit} | {update} | {speed:.0f} | {speed / reference:.2f}x |"
              for name, prec, jit, update, speed in results]
    table = "\n".join(lines)
    print(table)
    machine = ("a CPU with bfloat16 instructions (AMX / AVX512_BF16)"
               if precision.cpu_computes_bfloat16_natively()
               else "a CPU without bfloat16 instructions, which emulates bfloat16")
    header = (f"DCGAN train step, batch {batch}, {tf.__version__}, {np.__version__} numpy, on "
              f"{machine}: a run's default --precision=auto trains in "
              f"{precision.fastest_precision()} here")
    print(header)
    if FLAGS.out:
        with open(FLAGS.out, "w") as f:
            f.write(f"{header}\n\n{table}\n")
    best = max(results[1:], key=lambda r: r[-1])
    print(f"fastest: {best[1]} XLA={best[2]} update={best[3]}")
    print(f"speedup vs tutorial float32: {best[-1] / reference:.2f}x")


if __name__ == "__main__":
    app.run(main)
