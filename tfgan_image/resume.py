"""Resume (or extend) any run from its config.json alone, whatever family made it.

    python -m tfgan_image.resume RUN [--steps=N]      # or: tfgan-image resume RUN --steps=N

The run continues from its last checkpoint with its stored settings; ``--steps`` sets a new
total (e.g. twice the steps it was started with). Prints the family's end-of-run report.
"""

from absl import app, flags

from tfgan_image import cli

flags.DEFINE_integer("steps", None, "New total number of training steps (default: the "
                     "run's own).", lower_bound=0)
FLAGS = flags.FLAGS


def main(argv):
    from tfgan_image import experiment, rundir

    if len(argv) != 2:
        raise app.UsageError("Name one run directory: python -m tfgan_image.resume RUN "
                             "[--steps=N]")
    workdir = argv[1]
    result = experiment.resume(workdir, **({} if FLAGS.steps is None else {"steps": FLAGS.steps}))
    experiment.family(rundir.read_config(workdir)["family"]).report(result)


if __name__ == "__main__":
    cli.run(main)
