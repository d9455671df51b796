"""notebooks/analysis.ipynb runs: executed cell by cell in a fresh kernel; any failing cell fails
the test (nbclient raises CellExecutionError). The notebook is stored without outputs."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import nbformat
import pytest
from jupyter_client import KernelManager
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "analysis.ipynb"


def test_notebook_is_stored_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(not c.outputs and c.execution_count is None for c in code)


@pytest.mark.slow  # ~30 s with a warm numba cache; ~5 min with an empty one (compiles the processor)
def test_notebook_executes(tmp_path, monkeypatch):
    # a kernel on this very Python (the one with l2l installed), whatever `python` is on PATH
    spec = tmp_path / "kernels" / "l2l-test"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "l2l", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    monkeypatch.setenv("RAY_USAGE_STATS_ENABLED", "0")
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # the notebook's sweep lands in pytest's tmp dir
    nb = nbformat.read(NOTEBOOK, as_version=4)
    # IPC sockets: the kernel listens on no network port at all
    km = KernelManager(kernel_name="l2l-test", transport="ipc", ip=str(tmp_path / "kernel"))
    client = NotebookClient(nb, km=km, timeout=900, resources={"metadata": {"path": str(tmp_path)}})
    t0 = time.perf_counter()
    client.execute()  # raises CellExecutionError, naming the cell, if any cell fails
    wall = time.perf_counter() - t0
    images = [
        o for c in nb.cells if c.cell_type == "code" for o in c.outputs if "image/png" in o.get("data", {})
    ]
    assert len(images) >= 3, "the comparison, the portraits and the replay should be drawn"
    print(f"notebook executed in {wall:.1f} s")
    nbformat.write(nb, tmp_path / "executed.ipynb")  # to look at when it fails
