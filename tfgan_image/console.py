"""The ``tfgan-image`` command: one entry point for training, applying and sampling.

    tfgan-image train restoration --config=denoise_zoo --steps=2000  # python -m tfgan_image.train
    tfgan-image train mnist_dcgan --steps=5000  # python -m tfgan_image.experiments.mnist_dcgan
    tfgan-image resume runs/mnist_dcgan --steps=6000   # python -m tfgan_image.resume
    tfgan-image apply --model=denoise IN OUT    # python -m tfgan_image.apply
    tfgan-image sample --model=mnist_dcgan --output=grid.png
    tfgan-image benchmark --model=sr_x4 --data=folder:Set5   # python -m tfgan_image.benchmark
    tfgan-image models                                 # the pretrained models shipped

Each subcommand runs the same module ``python -m`` runs, with the rest of the arguments.
"""

import pkgutil
import runpy
import sys

USAGE = """usage: tfgan-image train FAMILY [--config=NAME] [flags] | train EXPERIMENT [flags]
                   | resume RUN [--steps=N] | apply [flags] IN OUT | sample [flags]
                   | benchmark [flags] | models
  families: {families} (tfgan-image train lists their configs)
  experiments: {experiments}
  --help after a subcommand lists its flags."""


def experiments() -> list:
    """The experiment modules of ``tfgan_image.experiments`` (their names)."""
    import tfgan_image.experiments as package

    return sorted(m.name for m in pkgutil.iter_modules(package.__path__))


def main() -> None:
    args = sys.argv[1:]
    from tfgan_image.experiment import built_in_families

    usage = USAGE.format(families=", ".join(built_in_families()),
                         experiments=", ".join(experiments()))
    if not args or args[0] in ("-h", "--help", "help"):
        print(usage)
        sys.exit(0 if args else 2)
    command, rest = args[0], args[1:]
    if command == "train":
        if rest and rest[0] in experiments():
            module, program, rest = (f"tfgan_image.experiments.{rest[0]}", f"train {rest[0]}",
                                     rest[1:])
        else:   # a family (the train command lists them when it is not one)
            module, program = "tfgan_image.train", "train"
    elif command in ("apply", "sample", "resume", "benchmark"):
        module, program = f"tfgan_image.{command}", command
    elif command == "models":
        module, program = "tfgan_image.pretrained", command
    else:
        print(f"Error: unknown command {command!r}.\n{usage}", file=sys.stderr)
        sys.exit(2)
    sys.argv = [f"tfgan-image {program}", *rest]
    runpy.run_module(module, run_name="__main__", alter_sys=True)
