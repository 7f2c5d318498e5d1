"""dlcore: a compact, readable re-implementation of the part of PyTorch a first course uses.

`import dlcore as torch` runs the course's PyTorch code: tensors over storages, dtypes, math,
indexing, printing, autograd, save/load. Every op is defined once, in `dlcore/ops/`, as a
function and a method, with its derivative beside it.
"""
import builtins as _builtins
import os as _os
import warnings as _warnings

__version__ = "0.1.0"

from . import _dtype
from ._dtype import (dtype, get_default_dtype, set_default_dtype, promote_types,  # noqa: F401
                     float16, float32, float64, uint8, int8, int16, int32, int64)
from ._device import device, set_default_device, get_default_device  # noqa: F401
from ._size import Size  # noqa: F401
from ._storage import Storage  # noqa: F401
from ._tensor import Tensor, TYPED_CLASSES as _TYPED_CLASSES
from ._tensor_str import set_printoptions, get_printoptions, printoptions  # noqa: F401
from . import ops as _ops
from .ops import _registry, pointwise as _pointwise, indexing as _indexing
from .ops import linalg as _linalg
from .ops.reduction import return_types  # noqa: F401
from .ops import random  # noqa: F401  (dlcore.random.manual_seed, fork_rng, like torch.random)
from . import autograd as _autograd
from .autograd import inplace as _inplace
from .autograd import (no_grad, enable_grad, set_grad_enabled, inference_mode,  # noqa: F401
                       is_grad_enabled)
autograd = _autograd

bool = _dtype.bool_
half, float, double = float16, float32, float64
short, int, long = int16, int32, int64

for _d, _cls in _TYPED_CLASSES.items():
    globals()[_cls.__name__] = _cls
del _d, _cls

_inplace_ops = _registry.install(Tensor, globals())
_pointwise._install_operators(Tensor)
_indexing._install_indexing(Tensor)
_linalg._install_operators(Tensor)
# operators like `+=` were bound to the plain in-place functions: use the counted ones
for _name, _value in list(vars(Tensor).items()):
    if _name.startswith("__") and _value in _inplace_ops:
        setattr(Tensor, _name, _inplace_ops[_value])
Tensor.__setitem__ = _inplace.inplace(Tensor.__setitem__, _indexing._index_put)
del _name, _value

# NumPy warns on overflow, division by zero and invalid values; PyTorch silently returns
# inf/nan. Silence those warnings only where dlcore's own code raised them.
_warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"dlcore(\.|$)")

# save/load (safe by default) and zero-copy exchange; torch and h5py load only when used
from . import serialization, utils, cuda  # noqa: E402  (dlcore.cuda never imports CuPy itself)
from . import accelerator, backends  # noqa: E402  (device choice as PyTorch's tutorials write it)
from .serialization import save, load  # noqa: E402, F401
from .utils.dlpack import from_dlpack  # noqa: E402, F401
from . import nn  # noqa: E402  (`torch.nn.Linear` after `import dlcore as torch`, as in PyTorch)
from . import optim  # noqa: E402  (`torch.optim.SGD` likewise)
from . import testing  # noqa: E402  (`torch.testing.assert_close`, plus the exercises' checks)


def __getattr__(name):
    # dlcore.viz (pictures of storages and graphs) needs matplotlib: imported on first use only
    if name == "viz":
        import importlib
        return importlib.import_module(".viz", __name__)
    raise AttributeError(f"module 'dlcore' has no attribute '{name}'")


def is_tensor(obj):
    return isinstance(obj, Tensor)


def is_storage(obj):
    return isinstance(obj, Storage)


def is_floating_point(input):
    return input.is_floating_point()


def numel(input):
    return input.numel()


_num_threads = [_os.cpu_count() or 1]


def set_num_threads(n):
    """Threads for intra-op parallelism: dlcore's ops run in NumPy, whose BLAS (matmul) owns
    its threads. With threadpoolctl installed the BLAS pool is limited to `n`; without it the
    number is recorded (get_num_threads reports it) and BLAS keeps its own setting."""
    if not isinstance(n, _builtins.int) or isinstance(n, _builtins.bool) or n <= 0:
        raise RuntimeError(f"set_num_threads expects a positive integer, got {n!r}")
    _num_threads[0] = n
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return
    threadpool_limits(limits=n, user_api="blas")


def get_num_threads():
    """The number of threads set with set_num_threads (by default, the machine's CPU count)."""
    return _num_threads[0]
