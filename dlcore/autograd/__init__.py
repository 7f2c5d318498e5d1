"""dlcore.autograd: reverse-mode automatic differentiation.

`graph.py` records a node per op, `engine.py` walks the nodes backward, `grad_mode.py` switches
recording on and off, `inplace.py` keeps in-place ops honest, `gradcheck.py` checks a backward
against finite differences."""
from .engine import backward, grad  # noqa: F401
from .graph import Node  # noqa: F401
from .grad_mode import (no_grad, enable_grad, set_grad_enabled, inference_mode,  # noqa: F401
                        is_grad_enabled)
