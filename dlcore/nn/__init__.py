"""dlcore.nn: modules, parameters, losses, initialisation (mirrors torch.nn)."""
from .parameter import Parameter  # noqa: F401
from .modules import *  # noqa: F401,F403
from . import functional, init  # noqa: F401
