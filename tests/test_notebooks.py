"""The course's notebooks are stored the way nbval and readers need them.

nbval (wired in pyproject.toml) re-runs every notebook and compares outputs; these checks read
the stored files only, and catch what a re-run cannot: a notebook saved half-run or out of order,
an error output nobody marked, a path of someone's machine in a source or an output, a data file
read by an absolute path, an NBVAL_IGNORE_OUTPUT without its reason, an SVG figure (compared
byte for byte by nbval), a stray `<matplotlib... at 0x...>` repr, a final `;` that nbval ignores.
"""
import ast
import importlib.util
import json
import re
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")

ROOT = Path(__file__).resolve().parent.parent


def _load_runner():
    """scripts/run_notebooks.py, which also defines which notebooks make up the course."""
    spec = importlib.util.spec_from_file_location("run_notebooks", ROOT / "scripts" / "run_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


runner = _load_runner()
NOTEBOOKS = runner.course_notebooks()
MARKER_RAISES = "NBVAL_RAISES_EXCEPTION"
MARKER_IGNORE = "NBVAL_IGNORE_OUTPUT"

# Absolute paths of somebody's machine: Unix homes and scratch folders, macOS, Windows.
MACHINE_PATH = re.compile(r"(?<![\w.])(/work/|/tmp/|/root/|/home/\w|/Users/\w|/private/var/|"
                          r"/var/folders/|[A-Za-z]:\\\\?Users\\)")
# Output types that nbval compares as text, where such a path would show.
TEXT_MIMETYPES = ("text/plain", "text/html", "text/markdown", "text/latex", "application/json")


def _relative(path):
    return str(path.relative_to(ROOT))


@pytest.fixture(params=NOTEBOOKS, ids=_relative)
def notebook(request):
    return request.param, nbformat.read(request.param, as_version=4)


def _code_cells(nb):
    return [cell for cell in nb.cells if cell.cell_type == "code" and cell.source.strip()]


def _raises(cell):
    return (runner._has_marker(cell.source, MARKER_RAISES)
            or "raises-exception" in cell.metadata.get("tags", []))


def _output_texts(cell):
    """Every piece of text a cell's outputs hold (images left out)."""
    for output in cell.outputs:
        if output.output_type == "stream":
            yield output.text
        elif output.output_type == "error":
            yield output.ename + ": " + output.evalue
            yield from output.traceback
        else:
            for mimetype, value in output.get("data", {}).items():
                if mimetype in TEXT_MIMETYPES:
                    yield value if isinstance(value, str) else json.dumps(value)


def _python_source(cell):
    """The cell as plain Python: IPython's magics and shell escapes become function calls."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:  # IPython comes with ipykernel; without it, just drop those lines
        return "\n".join(line for line in cell.source.splitlines()
                         if not line.lstrip().startswith(("%", "!")))
    return TransformerManager().transform_cell(cell.source)


def test_the_course_has_its_notebooks():
    names = {_relative(path) for path in NOTEBOOKS}
    chapter_3 = [f"chapters/ch03_{part}.ipynb" for part in
                 ("1_tabular", "2_time_series", "3_text", "4_images", "5_volumetric")]
    expected = ["chapters/ch01_introduction.ipynb", "chapters/ch02_tensors.ipynb", *chapter_3,
                "chapters/ch04_mechanics_of_learning.ipynb", "chapters/ch05_neural_networks.ipynb"]
    expected += [f"exercises/ch0{n}_exercises.ipynb" for n in (1, 2, 3, 4, 5)]
    assert not set(expected) - names


def test_valid_nbformat_4(notebook):
    path, nb = notebook
    nbformat.validate(nb)
    assert nb.nbformat == 4
    assert nb.metadata.kernelspec.language == "python"


def test_stored_executed_in_order(notebook):
    """Run top to bottom in one fresh kernel: execution counts 1, 2, 3, ... in cell order."""
    path, nb = notebook
    counts = [cell.execution_count for cell in _code_cells(nb)]
    assert counts == list(range(1, len(counts) + 1)), (
        f"{_relative(path)} is not stored as one fresh top-to-bottom run (counts {counts}); "
        "run `make notebooks`")
    for cell in nb.cells:
        if cell.cell_type == "code" and not cell.source.strip():
            assert not cell.outputs


def test_errors_only_where_marked(notebook):
    path, nb = notebook
    for cell in _code_cells(nb):
        errors = [o for o in cell.outputs if o.output_type == "error"]
        if _raises(cell):
            assert errors, f"{_relative(path)} cell {cell.id}: marked {MARKER_RAISES} but raised nothing"
        else:
            assert not errors, (f"{_relative(path)} cell {cell.id} stored an error: "
                                f"{errors[0].ename}: {errors[0].evalue}")


def test_no_paths_of_anyones_machine(notebook):
    path, nb = notebook
    places = [("metadata", json.dumps(nb.metadata))]
    for cell in nb.cells:
        places.append((f"cell {cell.id} source", cell.source))
        if cell.cell_type == "code":
            places += [(f"cell {cell.id} output", text) for text in _output_texts(cell)]
    for where, text in places:
        found = MACHINE_PATH.search(text)
        assert not found, f"{_relative(path)} {where}: machine path {found.group()!r} in {text[:200]!r}"


def test_files_are_read_through_repository_relative_paths(notebook):
    """No string literal is an absolute or home-relative path; '../' paths stay in the repository."""
    path, nb = notebook
    for cell in _code_cells(nb):
        for node in ast.walk(ast.parse(_python_source(cell))):
            if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
                continue
            literal = node.value
            assert not re.match(r"(/[A-Za-z]|~[/\\]|[A-Za-z]:[/\\])", literal), (
                f"{_relative(path)} cell {cell.id}: absolute path {literal!r}; "
                "use a path relative to the notebook's folder, like '../data/...'")
            if literal.startswith("../"):
                target = (path.parent / literal).resolve()
                assert target == ROOT or ROOT in target.parents, (
                    f"{_relative(path)} cell {cell.id}: {literal!r} leaves the repository")


def test_ignored_outputs_say_why(notebook):
    """`# NBVAL_IGNORE_OUTPUT` is followed by a comment line giving the reason."""
    path, nb = notebook
    for cell in _code_cells(nb):
        lines = [line.strip() for line in cell.source.splitlines()]
        for number, line in enumerate(lines):
            if line.startswith("#") and line.lstrip("#").strip() == MARKER_IGNORE:
                reason = lines[number + 1] if number + 1 < len(lines) else ""
                assert reason.startswith("#") and len(reason) > 10, (
                    f"{_relative(path)} cell {cell.id}: say on the next line why its output varies")


def test_figures_are_png_without_stray_reprs(notebook):
    """nbval compares SVG and HTML byte for byte, and PNG not at all; a plotting cell ends with
    `plt.show()` or `;` so that no `<matplotlib.lines.Line2D at 0x...>` is printed."""
    path, nb = notebook
    for cell in _code_cells(nb):
        for output in cell.outputs:
            data = output.get("data", {})
            assert "image/svg+xml" not in data, f"{_relative(path)} cell {cell.id}: SVG figure"
            plain = data.get("text/plain", "")
            assert not re.match(r"\[?<matplotlib\.|\[<matplotlib\.|Text\(", plain), (
                f"{_relative(path)} cell {cell.id}: stray repr {plain[:80]!r}; end with plt.show()")


def test_no_trailing_semicolon(notebook):
    """IPython hides a cell's result after a final `;` only for cells stored in its history, and
    nbval runs cells with store_history=False: the result shows there, and the comparison fails.
    Assign the result (`_ = ...`) or end a plotting cell with `plt.show()` instead."""
    path, nb = notebook
    for cell in _code_cells(nb):
        lines = [line.split("#")[0].rstrip() for line in _python_source(cell).splitlines()]
        code_lines = [line for line in lines if line]
        assert not (code_lines and code_lines[-1].endswith(";")), (
            f"{_relative(path)} cell {cell.id} ends with ';', which nbval does not honour")


def test_chapters_import_dlcore_as_torch(notebook):
    """The parity test swaps this one line for `import torch`."""
    path, nb = notebook
    if path.parent.name != "chapters":
        pytest.skip("only chapters are run against PyTorch")
    sources = "\n".join(cell.source for cell in _code_cells(nb))
    assert re.search(r"^import dlcore as torch$", sources, re.MULTILINE)
    assert not re.search(r"^\s*(import dlcore\b(?! as torch$)|from dlcore\b)", sources, re.MULTILINE), (
        "chapters reach dlcore only through `import dlcore as torch`")
