"""A process that imports the package once, then runs each requested ``python -m MODULE ARGS``
in a fork of itself: what a command does, with its exit code and output, without paying the
TensorFlow import (about 7 CPU-seconds) per command.

It reads one JSON request per line on stdin, {"module" or "code", "args", "cwd", "env",
"timeout"} (``code``: ``python -c code args``), and
answers one JSON line on stdout, {"returncode", "stdout", "stderr"} or {"timeout": true}.
The zygote itself never runs a TensorFlow op, so every child starts TensorFlow afresh (thread
pools, devices, a multi-worker strategy), as a new process would.
"""

import json
import os
import runpy
import signal
import sys
import tempfile
import time

import tensorflow  # noqa: F401  (the imports every command pays for)

# The library, not the entry points: those define their flags when imported, and each child
# runs its own as __main__.
import tfgan_image.cli  # noqa: F401
import tfgan_image.evaluation.benchmark  # noqa: F401
import tfgan_image.inference  # noqa: F401
from tfgan_image import experiment

for family in experiment.families():   # every family's module and its models
    experiment.family(family)


def run_child(request, out_path, err_path):
    """In the forked child: ``python -m module args`` (or ``python -c code args``) in the
    request's ``cwd`` with its environment ``env``; never returns."""
    code = 1
    try:
        with open(os.devnull) as null, open(out_path, "w") as out, open(err_path, "w") as err:
            os.dup2(null.fileno(), 0)
            os.dup2(out.fileno(), 1)
            os.dup2(err.fileno(), 2)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        signal.signal(signal.SIGINT, signal.default_int_handler)
        try:
            if "code" in request:
                sys.argv = ["-c", *request["args"]]
                sys.path.insert(0, "")
                exec(compile(request["code"], "<string>", "exec"), {"__name__": "__main__"})
            else:
                sys.argv = [request["module"], *request["args"]]
                runpy.run_module(request["module"], run_name="__main__", alter_sys=True)
            code = 0
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else (
                0 if exit_.code is None else 1)
            if not isinstance(exit_.code, (int, type(None))):
                print(exit_.code, file=sys.stderr)
        except BaseException:   # a bug: its traceback, as the interpreter would print it
            import traceback

            traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def serve():
    for line in sys.stdin:
        request = json.loads(line)
        folder = tempfile.mkdtemp(prefix="zygote-")
        out_path, err_path = (os.path.join(folder, n) for n in ("stdout", "stderr"))
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:
            run_child(request, out_path, err_path)
        deadline = time.time() + request["timeout"]
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            if time.time() > deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                status = None
                break
            time.sleep(0.02)
        with open(out_path) as out, open(err_path) as err:
            answer = {"returncode": os.waitstatus_to_exitcode(status), "stdout": out.read(),
                      "stderr": err.read()} if status is not None else {"timeout": True}
        for path in (out_path, err_path):
            os.remove(path)
        os.rmdir(folder)
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    serve()
