"""Atomic writes: a file is written under a temporary name of its own, then renamed over its
target, so a reader never sees half a file. The name is unique per process and call, so two
processes (or threads) writing the same target never write into one temporary file; it
contains ``.tmp`` (``rundir.remove_leftovers`` finds what a killed writer left)."""

import json
import os
import secrets


def temp_path(path: str) -> str:
    """A unique temporary path beside ``path`` with the same extension (file formats are
    chosen by it): ``photo.png`` -> ``photo.tmp-<pid>-<random>.png``."""
    root, extension = os.path.splitext(path)
    return f"{root}.tmp-{os.getpid()}-{secrets.token_hex(4)}{extension}"


def write_bytes(path: str, data: bytes) -> str:
    """Writes ``data`` to ``path`` atomically; returns the path."""
    tmp = temp_path(path)
    try:
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


def write_text(path: str, text: str) -> str:
    """Writes ``text`` (UTF-8) to ``path`` atomically; returns the path."""
    return write_bytes(path, text.encode("utf-8"))


def write_json(path: str, value, default=None) -> str:
    """Writes ``value`` as indented JSON to ``path`` atomically; returns the path.
    ``default``: as ``json.dumps``'s."""
    return write_text(path, json.dumps(value, indent=2, default=default) + "\n")
