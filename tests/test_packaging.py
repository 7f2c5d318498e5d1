"""The install files agree with each other, and `import dlcore` stays light.

pyproject.toml is the source of truth; environment.yml (conda) must list the same packages,
and PyTorch, the tests' oracle, is never a dependency and always pinned where it is installed.
"""
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TORCH_PIN = "torch==2.13.0"

# PyPI name -> conda-forge name, where they differ.
CONDA_NAMES = {}


def _name(requirement):
    """The normalised project name of a requirement string: 'NumPy>=1.26' -> 'numpy'."""
    name = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement).group(1)
    return re.sub(r"[-_.]+", "-", name).lower()


@pytest.fixture(scope="module")
def project():
    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


@pytest.fixture(scope="module")
def environment():
    yaml = pytest.importorskip("yaml")  # pyyaml, in the `test` extra
    return yaml.safe_load((ROOT / "environment.yml").read_text())


def _extra(project, extra):
    """The requirements of one extra, with self-references like 'dlcore[a,b]' expanded."""
    expanded = []
    for requirement in project["optional-dependencies"][extra]:
        match = re.fullmatch(r"dlcore\[(.*)\]", requirement.replace(" ", ""))
        if match:
            for inner in match.group(1).split(","):
                expanded += _extra(project, inner)
        else:
            expanded.append(requirement)
    return expanded


def test_numpy_is_the_only_runtime_dependency(project):
    assert [_name(r) for r in project["dependencies"]] == ["numpy"]
    assert project["requires-python"] == ">=3.10"


def test_all_is_notebooks_plus_test(project):
    assert sorted(_extra(project, "all")) == sorted(_extra(project, "notebooks") + _extra(project, "test"))


def test_torch_is_no_dependency_of_any_extra(project):
    names = {_name(r) for r in project["dependencies"]}
    for extra in project["optional-dependencies"]:
        names |= {_name(r) for r in _extra(project, extra)}
    assert "torch" not in names


def test_environment_yml_mirrors_pyproject(project, environment):
    assert environment["channels"] == ["conda-forge"]
    conda = [d for d in environment["dependencies"] if isinstance(d, str)]
    pip = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict))

    python = [d for d in conda if _name(d) == "python"]
    assert python == ["python" + project["requires-python"]]

    wanted = {_name(r) for r in project["dependencies"] + _extra(project, "all")}
    wanted = {CONDA_NAMES.get(n, n) for n in wanted}
    listed = {_name(d) for d in conda} - {"python", "pip"}
    assert listed == wanted, (f"missing from environment.yml: {sorted(wanted - listed)}; "
                              f"not in pyproject.toml: {sorted(listed - wanted)}")
    assert "numpy>=1.26" in conda  # same lower bound as pyproject
    assert "-e ." in pip


def test_the_gpu_extras_install_cupy_for_cuda_12_and_13_as_the_docs_say(project):
    extras = project["optional-dependencies"]
    assert extras["gpu"] == ["cupy-cuda12x"] and extras["gpu-cuda13"] == ["cupy-cuda13x"]
    for doc in ("README.md", "environment.yml"):       # (the conda file names them in comments)
        text = (ROOT / doc).read_text()
        assert 'pip install -e ".[gpu]"' in text and 'pip install -e ".[gpu-cuda13]"' in text, doc


def test_torch_is_pinned_wherever_it_is_installed(environment):
    pip = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict))
    assert [p for p in pip if p.startswith("torch")] == [TORCH_PIN]
    makefile = (ROOT / "Makefile").read_text()
    assert re.findall(r"torch[=<>~!]=?[\w.]*", makefile) == [TORCH_PIN]


def test_ci_runs_the_readme_commands():
    readme = (ROOT / "README.md").read_text()
    ci_commands = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()
                   if line.strip().startswith("make ")]
    assert ci_commands == ["make course", "make test"]
    for command in ci_commands:
        assert command in readme


def test_import_dlcore_loads_neither_torch_nor_cupy():
    code = ("import sys, dlcore; "
            "print(sorted(m for m in ('torch', 'cupy', 'matplotlib') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip() == "[]"
