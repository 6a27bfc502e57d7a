"""Faults of many files and many processes, at a larger scale than the tests: prints what held.

    python tools/stress_faults.py [--files=2000] [--writers=4]

1. Damaged folder: ``--files`` small images, a third of them damaged (truncated, bit-flipped,
   empty, a header claiming 100,000 x 100,000 pixels, text with an image extension, and, when
   not run as root, a file without read permission), through ``python -m tfgan_image.apply``
   in one process. Holds when there is no traceback, every damaged file is named once with a
   reason (a bit-flipped file may still decode: then it is restored), every good file is
   restored, and the peak memory of the run on all the files is within 20% of a run on a tenth
   of them.
2. Concurrent writers: ``--writers`` ``apply`` processes restore the same folder into the same
   output folder at once (``--overwrite``), and as many ``sample`` processes write one grid.
   Holds when every output decodes to the full image and no temporary file is left.

Exits 1 if anything did not hold. Uses a tiny untrained U-Net and DCGAN (the faults, not the
models, are under test).
"""

import argparse
import io
import os
import random
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np
from PIL import Image

DAMAGES = ("truncated", "bit_flipped", "empty", "huge_header", "not_an_image", "unreadable")
MIN_FILES = 6 * len(DAMAGES)   # the memory check compares a run with at least half as many


def png_bytes(pixels: np.ndarray, format_: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format=format_)
    return buffer.getvalue()


def huge_header_png() -> bytes:
    """A valid PNG signature and IHDR chunk claiming 100,000 x 100,000 RGB pixels, no data."""
    import struct
    import zlib

    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + header
    return (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(header)) + chunk
            + struct.pack(">I", zlib.crc32(chunk)))


def make_folder(folder: str, count: int, seed: int = 0) -> dict:
    """Writes ``count`` files; returns {path: damage or None}."""
    rng = random.Random(seed)
    damages = [d for d in DAMAGES if d != "unreadable" or os.geteuid() != 0]
    kinds = {}
    for i in range(count):
        pixels = np.random.default_rng(i).integers(0, 256, (24, 32, 3), dtype=np.uint8)
        damage = damages[i % len(damages)] if i % 3 == 0 else None
        extension = ".jpg" if i % 2 else ".png"
        path = os.path.join(folder, f"{i // 500:02d}", f"img{i:05d}{extension}")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        data = png_bytes(pixels, "JPEG" if extension == ".jpg" else "PNG")
        if damage == "truncated":
            data = data[:len(data) // 2]
        elif damage == "bit_flipped":
            data = bytearray(data)
            for _ in range(8):
                position = rng.randrange(20, len(data))
                data[position] ^= 1 << rng.randrange(8)
            data = bytes(data)
        elif damage == "empty":
            data = b""
        elif damage == "huge_header":
            path = path[:-4] + ".png"
            data = huge_header_png()
        elif damage == "not_an_image":
            data = b"just some text, not pixels\n" * 10
        with open(path, "wb") as f:
            f.write(data)
        if damage == "unreadable":
            os.chmod(path, 0)
        kinds[path] = damage
    return kinds


def tiny_runs(folder: str):
    """Run directories with a tiny exported U-Net and a tiny DCGAN."""
    from tfgan_image import export
    from tfgan_image.models import dcgan
    from tfgan_image.models import restoration as restoration_models

    restore, latent = os.path.join(folder, "restore_run"), os.path.join(folder, "latent_run")
    os.makedirs(restore)
    os.makedirs(latent)
    export.export_generator(restoration_models.build_generator(widths=(4, 8),
                                                               convs_per_level=1), restore)
    export.export_generator(dcgan.build_generator(latent_dim=8, widths=(8, 4)), latent)
    return restore, latent


def run(command: list) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *command], capture_output=True, text=True,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})


def peak_memory_mb(command: list):
    """(CompletedProcess, peak resident MB) of one child process."""
    script = ("import resource, runpy, sys; sys.argv = sys.argv[1:]; "
              "exit_code = 0\n"
              "try:\n    runpy.run_module(sys.argv[0], run_name='__main__')\n"
              "except SystemExit as stop:\n    exit_code = stop.code or 0\n"
              "print('PEAK_KB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "
              "file=sys.stderr)\nsys.exit(exit_code)")
    done = subprocess.run([sys.executable, "-c", script, *command], capture_output=True,
                          text=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    peak = [line for line in done.stderr.splitlines() if line.startswith("PEAK_KB")]
    return done, (int(peak[-1].split()[1]) / 1024 if peak else float("nan"))


def check_damaged_folder(root: str, restore_run: str, count: int) -> list:
    """[(what, held, detail)] of the damaged-folder case."""
    results = []
    peaks = {}
    for size in (max(count // 10, MIN_FILES // 2), count):
        folder, out = os.path.join(root, f"in_{size}"), os.path.join(root, f"out_{size}")
        kinds = make_folder(folder, size)
        start = time.perf_counter()
        done, peaks[size] = peak_memory_mb(["tfgan_image.apply", f"--workdir={restore_run}",
                                            folder, out])
        seconds = time.perf_counter() - start
    reports = {}
    for line in done.stdout.splitlines():
        source, _, outcome = line.partition(" -> ")
        reports.setdefault(source, []).append(outcome)
    damaged = {p: k for p, k in kinds.items() if k}
    skipped = {p for p, o in reports.items() if o[0].startswith("skipped")}
    named_once = all(len(o) == 1 for o in reports.values()) and set(reports) == set(kinds)
    must_skip = {p for p, k in damaged.items() if k != "bit_flipped"}
    good = {p for p, k in kinds.items() if k is None}
    restored_ok = all(os.path.isfile(reports[p][0]) and _decodes(reports[p][0]) for p in good
                      if p in reports)
    results.append(("no traceback", "Traceback" not in done.stderr,
                    f"exit code {done.returncode} (1: some files skipped)"))
    results.append(("every file reported exactly once", named_once,
                    f"{len(reports)} of {len(kinds)} files in {seconds:.0f} s"))
    results.append(("every damaged file skipped with a reason",
                    must_skip <= skipped and all(len(reports[p][0]) > len("skipped: ")
                                                 for p in skipped),
                    f"{len(must_skip & skipped)} of {len(must_skip)} certainly damaged; "
                    f"{len(skipped & set(damaged) - must_skip)} of "
                    f"{len(set(damaged) - must_skip)} bit-flipped files too (the rest "
                    f"still decode)"))
    results.append(("every good file restored and readable",
                    restored_ok and not (good & skipped), f"{len(good - skipped)} of {len(good)}"))
    small, large = sorted(peaks)
    results.append(("memory bounded", peaks[large] <= 1.2 * peaks[small],
                    f"peak {peaks[small]:.0f} MB for {small} files, {peaks[large]:.0f} MB for "
                    f"{large}"))
    return results


def _decodes(path: str) -> bool:
    try:
        with Image.open(path) as image:
            image.load()
        return True
    except Exception:  # noqa: BLE001 - any failure to decode is the answer
        return False


def check_concurrent_writers(root: str, restore_run: str, latent_run: str,
                             writers: int) -> list:
    folder, out = os.path.join(root, "concurrent_in"), os.path.join(root, "concurrent_out")
    kinds = make_folder(folder, 60, seed=1)
    good = [p for p, k in kinds.items() if k is None]
    processes = [subprocess.Popen(
        [sys.executable, "-m", "tfgan_image.apply", f"--workdir={restore_run}", "--overwrite",
         folder, out], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}) for _ in range(writers)]
    grid = os.path.join(root, "grid.png")
    samplers = [subprocess.Popen(
        [sys.executable, "-m", "tfgan_image.sample", f"--workdir={latent_run}", "--num=16",
         f"--output={grid}", "--overwrite", f"--seed={i}"], stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
        for i in range(writers)]
    errors = [p.communicate()[1] for p in processes + samplers]
    outputs = [os.path.join(out, os.path.relpath(p, folder)) for p in good]
    leftovers = [os.path.join(d, f) for d, _, files in os.walk(root) for f in files
                 if ".tmp" in f]
    whole = all(os.path.isfile(p) and _decodes(p) for p in outputs) and _decodes(grid)
    return [("concurrent writers: every output a whole image", whole,
             f"{writers} apply processes on {len(good)} good files into one folder, "
             f"{writers} sample processes on one grid"),
            ("concurrent writers: no traceback",
             not any("Traceback" in e for e in errors), ""),
            ("concurrent writers: no temporary file left", not leftovers,
             ", ".join(leftovers[:3]))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--writers", type=int, default=4)
    args = parser.parse_args()
    if args.files < MIN_FILES or args.writers < 2:
        parser.error(f"--files must be at least {MIN_FILES} and --writers at least 2")
    with tempfile.TemporaryDirectory() as root:
        restore_run, latent_run = tiny_runs(root)
        results = (check_damaged_folder(root, restore_run, args.files)
                   + check_concurrent_writers(root, restore_run, latent_run, args.writers))
        for folder, _, files in os.walk(root):   # let the cleanup read what it must delete
            for name in files:
                os.chmod(os.path.join(folder, name), 0o644)
    width = max(len(what) for what, _, _ in results)
    for what, held, detail in results:
        print(f"{'held  ' if held else 'FAILED'}  {what:{width}s}  {detail}")
    sys.exit(0 if all(held for _, held, _ in results) else 1)


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    main()
