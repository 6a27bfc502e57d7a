"""The Colab notebooks run top to bottom with tiny settings (SMOKE=1)."""

import os

import nbformat
import pytest
from conftest import REPO_ROOT
from nbclient import NotebookClient

# name -> (text its outputs must contain, file its run must write)
NOTEBOOKS = {"mnist.ipynb": ("frechet_distance", "dcgan/generator.keras"),
             "image_gan.ipynb": ("class_accuracy", "colour/generator.keras"),
             "restoration.ipynb": ("GAN (EMA generator)", "restoration_denoise/generator.keras"),
             "superres.ipynb": ("TFLite vs Keras", "superres_x4/stage2/generator.tflite"),
             "style_transfer.ipynb": ("optimisation (Gatys)", "style_transfer/generator.keras"),
             "texture_synthesis.ipynb": ("generated (20, 90, 3)",
                                         "texture_synthesis/generator.keras")}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(NOTEBOOKS))
def test_notebook_executes(name, tmp_path, monkeypatch):
    monkeypatch.setenv("SMOKE", "1")
    monkeypatch.setenv("NOTEBOOK_RUNS", str(tmp_path / "runs"))
    notebook = nbformat.read(os.path.join(REPO_ROOT, "notebooks", name), as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = "".join(o.get("text", "") for cell in notebook.cells
                      for o in cell.get("outputs", []))
    expected_text, expected_file = NOTEBOOKS[name]
    assert expected_text in outputs
    assert os.path.exists(tmp_path / "runs" / expected_file)
