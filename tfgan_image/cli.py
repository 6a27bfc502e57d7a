"""How every command-line entry point runs: one line per user error, exit codes, Ctrl-C.

    if __name__ == "__main__":
        cli.run(main)

* a bad flag value or a usage error: ``Error: ...`` on stderr, exit code 2;
* a user error found later (a data, run-directory, model-file or input-image problem, a
  non-finite loss): ``Error: ...``, exit code 1;
* Ctrl-C: one line (during training: the checkpoint it saved), exit code 130; SIGTERM and
  SIGHUP during training alike, with exit codes 143 and 129;
* ``--strategy=multiworker``: the strategy is created first, as TensorFlow requires.

No traceback is printed for any of these; anything else is a bug and keeps its traceback.
"""

import sys

from absl import app, flags

from tfgan_image.data.sources import DataError
from tfgan_image.errors import RunError
from tfgan_image.features import BackboneUnavailableError
from tfgan_image.training.loop import RunWriteError, UnreadableCheckpointsError
from tfgan_image.training.strategy import make_strategy
from tfgan_image.training.trainer import NonFiniteLossError

USAGE_EXIT_CODE = 2
ERROR_EXIT_CODE = 1
INTERRUPTED_EXIT_CODE = 130
USER_ERRORS = (DataError, RunError, BackboneUnavailableError, NonFiniteLossError,
               UnreadableCheckpointsError, RunWriteError)


def fail(message: str, exit_code: int = ERROR_EXIT_CODE):
    """Prints ``Error: message`` to stderr and exits."""
    print(f"Error: {message}", file=sys.stderr, flush=True)
    sys.exit(exit_code)


def _parse_flags(argv):
    try:
        return flags.FLAGS(argv)
    except flags.Error as error:
        fail(f"{error} (see --help)", USAGE_EXIT_CODE)


def _guarded(main):
    def guarded_main(argv):
        try:
            if "strategy" in flags.FLAGS and flags.FLAGS.strategy == "multiworker":
                make_strategy("multiworker")  # before any other TensorFlow op, as TF requires
            return main(argv)
        except app.UsageError as error:
            fail(str(error), USAGE_EXIT_CODE)
        except USER_ERRORS as error:
            fail(str(error))
        except KeyboardInterrupt as interrupt:   # training says which checkpoint it saved
            print(str(interrupt) or "Interrupted.", file=sys.stderr, flush=True)
            sys.exit(getattr(interrupt, "exit_code", INTERRUPTED_EXIT_CODE))
    return guarded_main


def run(main, argv=None) -> None:
    """``absl.app.run(main)`` (on ``argv``, default sys.argv) with this module's error
    handling."""
    app.run(_guarded(main), argv=argv, flags_parser=_parse_flags)
