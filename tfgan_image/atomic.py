"""Temporary names for atomic writes: a file is written under a name of its own, then renamed
over its target, so a reader never sees half a file. The name is unique per process and call,
so two processes (or threads) writing the same target never write into one temporary file;
it contains ``.tmp`` (``rundir.remove_leftovers`` finds what a killed writer left)."""

import os
import secrets


def temp_path(path: str) -> str:
    """A unique temporary path beside ``path`` with the same extension (file formats are
    chosen by it): ``photo.png`` -> ``photo.tmp-<pid>-<random>.png``."""
    root, extension = os.path.splitext(path)
    return f"{root}.tmp-{os.getpid()}-{secrets.token_hex(4)}{extension}"
