"""The library's base error: ``RunError`` and its subclasses carry a one-line message that the
command-line entry points print as it is (no traceback)."""


class RunError(ValueError):
    """A refusal with a one-line message saying what is wrong and what to do: a run directory
    that cannot be used, a bad input, a failed write."""
