"""Atomic writes: a file is written under a temporary name of its own, then renamed over its
target, so a reader never sees half a file. The name is unique per process and call, so two
processes (or threads) writing the same target never write into one temporary file; it
contains ``.tmp`` (``rundir.remove_leftovers`` finds what a killed writer left)."""

import contextlib
import json
import os
import secrets
import shutil


def temp_path(path: str) -> str:
    """A unique temporary path beside ``path`` with the same extension (file formats are
    chosen by it): ``photo.png`` -> ``photo.tmp-<pid>-<random>.png``."""
    root, extension = os.path.splitext(path)
    return f"{root}.tmp-{os.getpid()}-{secrets.token_hex(4)}{extension}"


@contextlib.contextmanager
def replacing(path: str):
    """Yields a unique temporary path beside ``path`` to write a file or a folder to; when the
    block succeeds it replaces ``path`` (a folder there is removed first), and whatever the
    block leaves at the temporary path is removed in any case."""
    tmp = temp_path(path)
    try:
        yield tmp
        if os.path.isdir(tmp):
            shutil.rmtree(path, ignore_errors=True)
        os.replace(tmp, path)
    finally:
        if os.path.isdir(tmp):
            shutil.rmtree(tmp, ignore_errors=True)
        elif os.path.exists(tmp):
            os.remove(tmp)


def write_bytes(path: str, data: bytes) -> str:
    """Writes ``data`` to ``path`` atomically; returns the path."""
    with replacing(path) as tmp, open(tmp, "wb") as f:
        f.write(data)
    return path


def write_text(path: str, text: str) -> str:
    """Writes ``text`` (UTF-8) to ``path`` atomically; returns the path."""
    return write_bytes(path, text.encode("utf-8"))


def write_json(path: str, value, default=None) -> str:
    """Writes ``value`` as indented JSON to ``path`` atomically; returns the path.
    ``default``: as ``json.dumps``'s."""
    return write_text(path, json.dumps(value, indent=2, default=default) + "\n")
