"""Re-execute the course's notebooks in fresh kernels and store their outputs in place.

    python scripts/run_notebooks.py                  every notebook in chapters/ and exercises/
    python scripts/run_notebooks.py chapters/ch02_tensors.ipynb   just the ones named

Run it (or `make notebooks`) after changing dlcore or a notebook, then read the diff: the test
suite's nbval run compares fresh outputs with the stored ones, so stored outputs must come from
the current code. Each notebook runs top to bottom in its own folder, like nbval runs it, on a
kernel of the Python running this script (nbval's --nbval-current-env), with this checkout's
dlcore first on the import path. Error outputs (cells that teach an exception) are stored with
the traceback cut down to its last line, which names no file of this machine.
"""
import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_FOLDERS = ("chapters", "exercises")
CURRENT_ENV_KERNEL = "python3"


def course_notebooks():
    """Every notebook of the course, in reading order (chapters first, then exercises)."""
    found = []
    for folder in NOTEBOOK_FOLDERS:
        found += sorted(path for path in (ROOT / folder).rglob("*.ipynb")
                        if ".ipynb_checkpoints" not in path.parts)
    return found


class _CurrentEnvKernelSpecs(KernelSpecManager):
    """Resolves the notebooks' kernel name to a kernel running this very Python.

    A kernelspec installed elsewhere under the same name could point at another interpreter,
    with another dlcore or none; nbval's --nbval-current-env avoids that the same way."""

    def get_kernel_spec(self, kernel_name):
        import ipykernel.kernelspec
        return self.kernel_spec_class(resource_dir=ipykernel.kernelspec.RESOURCES,
                                      **ipykernel.kernelspec.get_kernel_dict())


def _kernel_env():
    """This process's environment with the repository first on PYTHONPATH."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return env


def _short_tracebacks(nb):
    """Keep only the last line of stored tracebacks: frames name files by absolute path."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                output.traceback = [f"{output.ename}: {output.evalue}"]


def execute(nb, folder, timeout=600):
    """Run notebook node `nb` in a fresh current-environment kernel started in `folder`.

    Returns the notebook with its outputs; raises nbclient's CellExecutionError when a cell
    fails that is not marked to raise (NBVAL_RAISES_EXCEPTION / the raises-exception tag)."""
    client = NotebookClient(nb, timeout=timeout, kernel_name=CURRENT_ENV_KERNEL,
                            resources={"metadata": {"path": str(folder)}}, record_timing=False)
    _allow_marked_errors(nb)
    try:
        client.km = KernelManager(kernel_name=CURRENT_ENV_KERNEL,
                                  kernel_spec_manager=_CurrentEnvKernelSpecs())
        with _environment(_kernel_env()):
            # the kernel's own log (a warning about its TCP transport) is noise here, as in nbval
            client.execute(stderr=subprocess.DEVNULL)
    finally:
        _forget_error_tags(nb)
    return nb


class _environment:
    """Temporarily replace os.environ (the kernel inherits it when it starts)."""

    def __init__(self, env):
        self.env = env

    def __enter__(self):
        self.saved = dict(os.environ)
        os.environ.clear()
        os.environ.update(self.env)

    def __exit__(self, *exc):
        os.environ.clear()
        os.environ.update(self.saved)


_TEMPORARY_TAG = "raises-exception"


def _allow_marked_errors(nb):
    """nbclient knows the `raises-exception` tag, nbval also the comment marker: tag those."""
    for cell in nb.cells:
        if cell.cell_type == "code" and _has_marker(cell.source, "NBVAL_RAISES_EXCEPTION"):
            tags = cell.metadata.setdefault("tags", [])
            if _TEMPORARY_TAG not in tags:
                tags.append(_TEMPORARY_TAG)
                cell.metadata["_added_tag"] = True


def _forget_error_tags(nb):
    for cell in nb.cells:
        if cell.metadata.pop("_added_tag", False):
            cell.metadata["tags"].remove(_TEMPORARY_TAG)
            if not cell.metadata["tags"]:
                del cell.metadata["tags"]


# Every notebook must run in under a minute on a laptop CPU (the course's rule): storing one that
# takes longer fails, so a slowdown is noticed when outputs are regenerated.
TIME_LIMIT_SECONDS = 60


def _has_marker(source, marker):
    """True when a line of `source` is the comment `# MARKER`, as nbval reads it."""
    return any(line.strip().startswith("#") and line.strip().lstrip("#").strip() == marker
               for line in source.splitlines())


def run(path):
    """Execute one notebook file and store the result in place; returns the seconds it took."""
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    execute(nb, Path(path).parent)
    seconds = time.perf_counter() - start
    _short_tracebacks(nb)
    nbformat.write(nb, path)
    return seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="notebooks to run (default: all in chapters/ and exercises/)")
    args = parser.parse_args(argv)
    paths = [p.resolve() for p in args.notebooks] or course_notebooks()
    too_slow = []
    for path in paths:
        seconds = run(path)
        print(f"{seconds:6.1f} s  {path.relative_to(ROOT)}")
        if seconds > TIME_LIMIT_SECONDS:
            too_slow.append(path.relative_to(ROOT))
    if too_slow:
        print(f"over the course's limit of {TIME_LIMIT_SECONDS} s a notebook: "
              + ", ".join(map(str, too_slow)), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
