"""pytest set-up shared by the whole repository: notebook kernels test this checkout.

nbval runs every notebook under chapters/ and exercises/ (options in pyproject.toml) in a Jupyter
kernel started in the notebook's folder; the kernel inherits this process's environment. Putting
the repository first on PYTHONPATH makes every kernel import the dlcore being tested, whether or
not it is installed. The sanitizer file is named in pyproject.toml relative to the repository;
resolving it here lets pytest run from any folder.
"""
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent


def pytest_configure(config):
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    sanitizer = getattr(config.option, "nbval_sanitize_with", None)
    if sanitizer and not os.path.exists(sanitizer) and (ROOT / sanitizer).exists():
        config.option.nbval_sanitize_with = str(ROOT / sanitizer)
