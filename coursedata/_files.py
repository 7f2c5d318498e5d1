"""Where the data lives, and the one check every loader starts with: the file is there."""
from pathlib import Path

# coursedata/ sits beside data/ in the repository.
DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def data_file(relative_path):
    """The path of a file (or folder) under data/, e.g. data_file("wine/winequality-white.csv")."""
    return DATA_DIR / relative_path


def existing(path, what="file"):
    """`path` as a Path, or FileNotFoundError saying where the course's data should be."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(
            f"{what} not found: {path}. The course's data sets live in the repository's data/ "
            f"folder (see data/README.md); pass the path of your copy if it is elsewhere.")
    if what == "folder" and not path.is_dir():
        raise NotADirectoryError(f"expected a folder, got a file: {path}")
    if what == "file" and path.is_dir():
        raise IsADirectoryError(f"expected a file, got a folder: {path}")
    return path
