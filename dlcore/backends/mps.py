"""dlcore.backends.mps: Apple's GPUs (Metal), which dlcore does not support."""


def is_available():
    """False: dlcore computes on the CPU or on a CUDA GPU, never through Metal."""
    return False


def is_built():
    return False
