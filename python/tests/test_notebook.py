"""The tour notebook (notebooks-data/tour.ipynb) runs from top to bottom (nbconvert)."""
import os

import nbformat
from nbconvert.preprocessors import ExecutePreprocessor

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_tour_notebook_runs():
    path = os.path.join(ROOT, "notebooks-data", "tour.ipynb")
    notebook = nbformat.read(path, as_version=4)
    ExecutePreprocessor(timeout=600, kernel_name="python3").preprocess(notebook, {"metadata": {"path": os.path.dirname(path)}})
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
