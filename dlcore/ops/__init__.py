"""Every operation, once. Modules register their ops with `_registry.op`; importing them is enough."""
from . import creation, pointwise, reduction, shape, indexing, linalg, random  # noqa: F401
