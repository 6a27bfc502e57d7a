"""tools/RESULTS.md is generated: it is exactly what tools/results.py makes of the
scripts' reports, and every picture it shows exists."""

import importlib.util
import os
import re

from conftest import REPO_ROOT


def _results_script():
    spec = importlib.util.spec_from_file_location(
        "results", os.path.join(REPO_ROOT, "tools", "results.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_results_md_is_the_generated_page():
    results = _results_script()
    with open(results.OUTPUT) as f:
        assert f.read() == results.render(), "run python tools/results.py"


def test_every_linked_report_and_figure_exists():
    results = _results_script()
    for target in re.findall(r"\]\(([^)#]+)\)", results.render()):
        if not target.startswith("http"):
            assert os.path.exists(os.path.join(os.path.dirname(results.OUTPUT), target)), target
