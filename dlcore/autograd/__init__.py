"""dlcore.autograd: reverse-mode automatic differentiation.

`graph.py` records a node per op, `engine.py` walks the nodes backward, `grad_mode.py` switches
recording on and off, `inplace.py` keeps in-place ops honest, `gradcheck.py` checks a backward
against finite differences, `anomaly_mode.py` says which forward line made a failing backward."""
from .engine import backward, grad  # noqa: F401
from .graph import Node  # noqa: F401
from .grad_mode import (no_grad, enable_grad, set_grad_enabled, inference_mode,  # noqa: F401
                        is_grad_enabled)
from .gradcheck import gradcheck, gradgradcheck, GradcheckError  # noqa: F401
from .anomaly_mode import (detect_anomaly, set_detect_anomaly, is_anomaly_enabled,  # noqa: F401
                           is_anomaly_check_nan_enabled, set_anomaly_enabled)
