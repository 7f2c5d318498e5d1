"""dlcore.optim: optimizers and learning-rate schedulers, as torch.optim has them."""
from . import lr_scheduler
from .optimizer import Optimizer
from .sgd import SGD
from .adam import Adam
from .adamw import AdamW
from .adagrad import Adagrad
from .adadelta import Adadelta
from .adamax import Adamax
from .asgd import ASGD
from .rmsprop import RMSprop
from .rprop import Rprop
from .lbfgs import LBFGS

# the modules stay importable (dlcore.optim.sgd); dir(optim) lists the classes, as torch's does
del optimizer, sgd, adam, adamw, adagrad, adadelta, adamax, asgd, rmsprop, rprop  # noqa: F821
del lbfgs  # noqa: F821

__all__ = ["ASGD", "Adadelta", "Adagrad", "Adam", "AdamW", "Adamax", "LBFGS", "Optimizer",
           "RMSprop", "Rprop", "SGD", "lr_scheduler"]
