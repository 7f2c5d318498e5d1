"""Keep pytest out of course/: the student versions and submissions fail by design, and
source/ only links to exercises/, which the suite already runs (pyproject.toml's testpaths)."""
collect_ignore_glob = ["*"]
