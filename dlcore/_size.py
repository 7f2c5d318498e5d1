"""dlcore.Size: the shape of a tensor, a tuple that prints as `dlcore.Size([3, 2])`."""


class Size(tuple):
    __slots__ = ()

    def __new__(cls, sizes=()):
        try:
            sizes = tuple(sizes)
        except TypeError:
            raise TypeError(f"Size() takes an iterable of ints, got {type(sizes).__name__}") from None
        for s in sizes:
            if not hasattr(s, "__index__"):
                raise TypeError(f"Size() takes an iterable of 'int' (item {len(sizes)} is "
                                f"'{type(s).__name__}')")
        return tuple.__new__(cls, (s.__index__() for s in sizes))

    def __repr__(self):
        return f"dlcore.Size([{', '.join(str(s) for s in self)}])"

    __str__ = __repr__

    def __getitem__(self, key):
        result = tuple.__getitem__(self, key)
        return Size(result) if isinstance(key, slice) else result

    def __add__(self, other):
        return Size(tuple.__add__(self, tuple(other)))

    def __radd__(self, other):
        return Size(tuple(other) + tuple(self))

    def __mul__(self, n):
        return Size(tuple.__mul__(self, n))

    __rmul__ = __mul__

    def numel(self):
        """Number of elements a tensor of this shape holds."""
        n = 1
        for s in self:
            n *= s
        return n

    def __reduce__(self):
        return (Size, (tuple(self),))


def _fast_size(shape):
    """Size from a tuple of Python ints already checked (the hot path)."""
    return tuple.__new__(Size, shape)
