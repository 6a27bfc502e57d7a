"""InfoGAN's categorical code (Chen et al. 2016) for any latent-noise generator and its
discriminator: the generator reads the code from z (``code_input``), the discriminator
gets a Q head beside its realness logit (``logit_and_code``); ``GANTrainer(latent_code=K)``
trains both with the code loss."""

from keras import layers

from tfgan_image.layers import CategoricalCode


def code_input(z, categories: int):
    """The generator's input: z [N, D] with its first ``categories`` entries replaced by the
    one-hot code they encode (``layers.CategoricalCode``); z unchanged when 0."""
    if not categories:
        return z
    if categories > z.shape[-1]:
        raise ValueError(f"categories must be at most latent_dim={z.shape[-1]}, got "
                         f"{categories}")
    return CategoricalCode(categories, name="code")(z)


def logit_and_code(features, categories: int):
    """The discriminator's output from its last features [N, F]: the realness logit [N, 1],
    or with ``categories`` [N, 1 + categories], the Q head's code logits after it; float32."""
    logits = layers.Dense(1, name="logits")(features)
    if categories:
        code_logits = layers.Dense(categories, name="code_logits")(features)
        logits = layers.Concatenate(name="logit_and_code")([logits, code_logits])
    return layers.Activation("linear", dtype="float32")(logits)

