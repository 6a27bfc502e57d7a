"""The test helpers that run commands (conftest.run_python / run_module): forked from
tests/zygote.py, or as new processes where forking is unavailable, with the same result."""

import conftest


def _both_ways(monkeypatch, run):
    forked = run()
    monkeypatch.setenv("TFGAN_IMAGE_TESTS_NO_FORK", "1")
    assert not conftest.forking_available()
    fresh = run()
    return forked, fresh


def test_code_gets_its_arguments_output_and_exit_code_either_way(monkeypatch):
    code = ("import sys; print('out', sys.argv[1:]); print('err', file=sys.stderr); "
            "sys.exit(3)")
    for result in _both_ways(monkeypatch, lambda: conftest.run_python(code, "a", "b c")):
        assert (result.returncode, result.stdout, result.stderr) == (
            3, "out ['a', 'b c']\n", "err\n")


def test_a_module_runs_as_main_either_way(monkeypatch):
    forked, fresh = _both_ways(monkeypatch, lambda: conftest.run_module("platform", "--terse"))
    assert forked.returncode == fresh.returncode == 0
    assert forked.stdout == fresh.stdout and forked.stdout.strip()
