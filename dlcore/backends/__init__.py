"""dlcore.backends: PyTorch's switches for the libraries under its ops, so code that sets or asks
them runs (`torch.backends.cudnn.benchmark = True`, `torch.backends.mps.is_available()`).
dlcore's GPU backend is CuPy: it calls no cuDNN and knows no Apple GPU (MPS)."""
from . import cudnn, mps  # noqa: F401
