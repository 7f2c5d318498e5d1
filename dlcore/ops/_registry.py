"""Where ops announce themselves: each becomes `dlcore.name(...)` and/or `Tensor.name(...)`."""

FUNCTIONS = {}   # exported in the dlcore namespace
METHODS = {}     # installed on Tensor


def op(fn=None, *, names=None, method=True, function=True):
    """Register `fn` as `dlcore.<name>` and `Tensor.<name>` (under each of `names` if given)."""
    def register(f):
        for name in names or (f.__name__,):
            if function:
                FUNCTIONS[name] = f
            if method:
                METHODS[name] = f
        return f
    return register(fn) if fn is not None else register


def install(tensor_class, namespace):
    """Put every op on Tensor and in the namespace; in-place ops (`name_`) get version counting
    and, when gradients flow, the graph of their out-of-place twin (autograd/inplace.py)."""
    from ..autograd.inplace import NOT_INPLACE, inplace
    wrapped = {}

    def prepared(name, f):
        if not name.endswith("_") or name.startswith("__") or name in NOT_INPLACE:
            return f
        if f not in wrapped:
            # (an op without an out-of-place namesake, as zero_, names its twin itself)
            twin = getattr(f, "_twin", None) or FUNCTIONS.get(name[:-1]) or METHODS.get(name[:-1])
            wrapped[f] = inplace(f, twin)
        return wrapped[f]

    for name, f in METHODS.items():
        setattr(tensor_class, name, prepared(name, f))
    for name, f in FUNCTIONS.items():
        namespace[name] = prepared(name, f)
    return wrapped
