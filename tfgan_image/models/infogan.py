"""InfoGAN's codes (Chen et al. 2016) for any latent-noise generator and its discriminator:
the generator reads a categorical code from z (``code_input``) and, optionally, continuous
codes as z's next entries, unchanged; the discriminator gets a Q head beside its realness
logit (``logit_and_code``); ``GANTrainer(latent_code=K, continuous_codes=C)`` trains both
with the code loss."""

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


def logit_and_code(features, categories: int, continuous: int = 0):
    """The discriminator's output from its last features [N, F]: the realness logit [N, 1],
    or with codes [N, 1 + categories + continuous], the Q head after it (the categorical
    code's logits, then the continuous codes' estimates); float32."""
    logits = layers.Dense(1, name="logits")(features)
    if categories + continuous:
        code_logits = layers.Dense(categories + continuous, name="code_logits")(features)
        logits = layers.Concatenate(name="logit_and_code")([logits, code_logits])
    return layers.Activation("linear", dtype="float32")(logits)

