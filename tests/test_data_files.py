"""data/ holds exactly the files listed in data/SHA256SUMS, byte for byte, each described in its README.

On the team's machines the shared originals sit in ../shared/data; there the checksums are also
checked against the shared SHA256SUMS (a fresh clone has only its own copy, and skips that test).
"""
import hashlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
SHARED_SUMS = ROOT.parent / "shared" / "data" / "SHA256SUMS"
NOT_DATA = {"README.md", "SHA256SUMS"}
# Added by the project itself, not copied from the shared data: a Python source file frozen at
# one version, for chapter 3's exercise (see data/README.md).
NOT_SHARED = ("python-source/",)


def _read_sums(path):
    """{'wine/winequality-white.csv': 'hex digest', ...} from a `sha256sum` listing."""
    sums = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        digest, name = line.split(maxsplit=1)
        sums[name.lstrip("*").removeprefix("./")] = digest
    return sums


SUMS = _read_sums(DATA / "SHA256SUMS")


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def test_every_file_in_data_is_listed_and_every_listed_file_is_there():
    present = {p.relative_to(DATA).as_posix() for p in DATA.rglob("*") if p.is_file()} - NOT_DATA
    assert present == set(SUMS), (f"not in SHA256SUMS: {sorted(present - set(SUMS))}; "
                                  f"listed but missing: {sorted(set(SUMS) - present)}")


@pytest.mark.parametrize("name", sorted(SUMS))
def test_file_is_byte_for_byte_the_original(name):
    assert _sha256(DATA / name) == SUMS[name], f"data/{name} differs from the original"


def test_checksums_are_the_shared_originals():
    if not SHARED_SUMS.exists():
        pytest.skip("the shared data folder exists only on the team's machines")
    shared = _read_sums(SHARED_SUMS)
    for name, digest in SUMS.items():
        if name.startswith(NOT_SHARED):
            continue
        assert shared.get(name) == digest, f"data/SHA256SUMS disagrees with the shared list on {name}"


def test_the_chapter_3_data_sets_are_there():
    expected = {"wine/winequality-white.csv", "bike-sharing/hour.csv", "bike-sharing/hour-fixed.csv",
                "jane-austen/1342-0.txt", "images/chelsea.png", "images/rocket.jpg"}
    assert expected <= set(SUMS)
    assert sum(name.startswith("ct-lung/") and name.endswith(".dcm") for name in SUMS) == 99


def test_readme_gives_source_and_licence_of_every_data_set():
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    for folder in {name.split("/")[0] for name in SUMS}:
        assert f"`{folder}/" in readme, f"data/README.md says nothing about {folder}/"
    for citation in ("Cortez", "Fanaee-T", "Project Gutenberg", "CPTAC-LSCC", "Clark et al.",
                     "scikit-image", "CC BY 4.0", "CC BY 3.0", "CC0", "public domain"):
        assert citation in readme
