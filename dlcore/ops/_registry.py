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
    for name, f in METHODS.items():
        setattr(tensor_class, name, f)
    namespace.update(FUNCTIONS)
