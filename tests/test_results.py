"""tools/RESULTS.md is generated: it is exactly what tools/results.py makes of the
scripts' reports, and every picture it shows exists."""

import os
import re

from conftest import tool_module


def test_results_md_is_the_generated_page():
    results = tool_module("results")
    with open(results.OUTPUT) as f:
        assert f.read() == results.render(), "run python tools/results.py"


def test_every_linked_report_and_figure_exists():
    results = tool_module("results")
    for target in re.findall(r"\]\(([^)#]+)\)", results.render()):
        if not target.startswith("http"):
            assert os.path.exists(os.path.join(os.path.dirname(results.OUTPUT), target)), target
