"""The Colab notebooks run top to bottom with tiny settings (SMOKE=1)."""

import os

import nbformat
import pytest
from nbclient import NotebookClient

from conftest import REPO_ROOT

NOTEBOOKS = ["mnist_gans.ipynb"]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_executes(name, tmp_path, monkeypatch):
    monkeypatch.setenv("SMOKE", "1")
    monkeypatch.setenv("NOTEBOOK_RUNS", str(tmp_path / "runs"))
    notebook = nbformat.read(os.path.join(REPO_ROOT, "notebooks", name), as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = "".join(o.get("text", "") for cell in notebook.cells
                      for o in cell.get("outputs", []))
    assert "frechet_distance" in outputs
    assert os.path.exists(tmp_path / "runs" / "dcgan" / "generator.keras")
