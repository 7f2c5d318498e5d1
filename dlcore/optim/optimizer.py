"""Optimizer: the base class every optimizer shares (parameter groups, per-parameter state,
zero_grad, state_dict), and the small helpers their `step` methods use.

An optimizer's step changes the parameters' values in place, outside autograd. The updates are
written on the arrays under the tensors (`p._data`) with NumPy-style operators, which CuPy arrays
understand too, so one formula serves every device; it is also the fastest way (the course's loops
step a two-element tensor thousands of times). Each step counts as an in-place change of the
parameter, so autograd still catches a graph that saved the old values.
"""
import warnings
from collections import defaultdict
from copy import deepcopy
from itertools import chain

from .._dtype import float32, float64, get_default_dtype
from .._tensor import Tensor
from ..autograd.grad_mode import enable_grad
from ..autograd.inplace import bump_version
from ..backend import array_module
from ..ops.creation import zeros

__all__ = ["Optimizer", "required"]


class _RequiredParameter:
    """Marks a default that every parameter group must set itself."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


def _typename(obj):
    """How PyTorch names a type in messages: `dlcore.FloatTensor` for a tensor, else the class."""
    if isinstance(obj, Tensor):
        return obj.type()
    cls = type(obj)
    module = cls.__module__
    return cls.__qualname__ if module in (None, "builtins") else f"{module}.{cls.__qualname__}"


class Optimizer:
    """Base class of all optimizers.

    `params` is an iterable of tensors, or of dicts (parameter groups) that hold a "params" entry
    and any options that differ from `defaults` for that group.
    """

    def __init__(self, params, defaults):
        self.defaults = defaults
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            "Tensors or dicts, but got " + _typename(params))
        self.state = defaultdict(dict)
        self.param_groups = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for param_group in param_groups:
            self.add_param_group(param_group)

    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)

    def __repr__(self):
        text = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            for key in sorted(group.keys()):
                if key != "params":
                    text += f"    {key}: {group[key]}\n"
        return text + ")"

    def add_param_group(self, param_group):
        """Add a group of parameters (a dict with "params" and optional options) to optimize."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, "
                            "but the ordering of tensors in sets will change between runs. "
                            "Please use a list instead.")
        else:
            params = list(params)
        # named parameters, as model.named_parameters() gives them: (name, tensor) pairs
        names = [p[0] for p in params if isinstance(p, tuple)]
        param_group["params"] = [p[1] if isinstance(p, tuple) else p for p in params]
        if names:
            if len(names) != len(params):
                raise ValueError("all optimizer params should be with/without names. Some param "
                                 "names are missing")
            param_group["param_names"] = names

        for param in param_group["params"]:
            if not isinstance(param, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                + _typename(param))
            if not (param.is_leaf or param.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")

        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError("parameter group didn't specify a value of required "
                                 f"optimization parameter {name}")
            param_group.setdefault(name, default)

        params = param_group["params"]
        if len(params) != len(set(params)):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in "
                          "future, this will cause an error; see "
                          "github.com/pytorch/pytorch/issues/40967 for more information",
                          stacklevel=3)
        seen = set()
        for group in self.param_groups:
            seen.update(group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                which = "with names" if "param_names" in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {which} to the optimizer")
        if not seen.isdisjoint(params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none=True):
        """Forget the gradients of all parameters: set `.grad` to None (default), or fill it with
        zeros when `set_to_none=False`."""
        for group in self.param_groups:
            for p in group["params"]:
                grad = p.grad
                if grad is not None:
                    if set_to_none:
                        p.grad = None
                    else:
                        if grad.grad_fn is not None:
                            grad.detach_()
                        else:
                            grad.requires_grad_(False)
                        grad.zero_()

    def step(self, closure=None):
        """Update the parameters once; `closure` re-evaluates the model and returns the loss."""
        raise NotImplementedError

    # -- the frame of every step -----------------------------------------------------------------
    def _init_state(self, p, state, group):
        """Fill the empty `state` dict of parameter p before its first step: each optimizer that
        keeps per-parameter state (step count, running averages) says what it holds."""

    def _params_with_grad(self, group, stateful=True):
        """For each parameter of `group` that has a gradient, yield (param, grad, state, step):

        - param: the parameter's array, for the caller to update in place;
        - grad: the gradient array to descend along: negated to maximize, plus weight_decay * param
          (or, decoupled as in AdamW, param is shrunk by lr * weight_decay instead). Read only;
        - state: the parameter's state dict, made by `_init_state` on its first step (None when
          not `stateful`: SGD without momentum keeps no state, as in PyTorch);
        - step: the step count, once incremented, as a Python number (None if state has none).

        When the caller's loop body is done, the change of param is recorded (autograd's version
        counter), so a graph that saved the old values can tell."""
        maximize = group["maximize"]
        # only the optimizers that have these options read them (a group may hold keys of its own)
        weight_decay = _scalar(group["weight_decay"]) if "weight_decay" in self.defaults else 0
        decoupled = (weight_decay != 0 and "decoupled_weight_decay" in self.defaults
                     and group["decoupled_weight_decay"])
        for p in group["params"]:
            grad = p.grad
            if grad is None:
                continue
            state = step = None
            if stateful:
                state = self.state[p]
                if not state:
                    self._init_state(p, state, group)
                if "step" in state:
                    counter = state["step"]._data       # a 0-d array: += counts in place
                    counter += 1
                    step = counter.item()
            param, grad = p._data, grad._data
            if maximize:
                grad = -grad                            # a new array: p.grad stays as it is
            if weight_decay != 0:
                if decoupled:
                    param *= 1 - _scalar(group["lr"]) * weight_decay
                else:
                    grad = grad + weight_decay * param
            yield param, grad, state, step
            bump_version(p)

    # -- saving and restoring ------------------------------------------------------------------
    def state_dict(self):
        """The optimizer's state as a dict: "state" (per parameter, keyed by the parameter's index
        in the groups, counting across groups) and "param_groups" (options, with "params" as
        those indices). The state's tensors are the optimizer's own, not copies."""
        index_of = {}
        next_index = 0

        def pack(group):
            nonlocal next_index
            packed = {k: v for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], next_index):
                index_of.setdefault(id(p), i)
            packed["params"] = [index_of[id(p)] for p in group["params"]]
            next_index += len(packed["params"])
            return packed

        param_groups = [pack(g) for g in self.param_groups]
        state = {(index_of[id(k)] if isinstance(k, Tensor) else k): v
                 for k, v in self.state.items()}
        return {"state": state, "param_groups": param_groups}

    def load_state_dict(self, state_dict):
        """Restore the state saved by `state_dict()` into this optimizer's parameters (matched by
        position); state tensors are moved to each parameter's device and floating dtype."""
        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match "
                             "the size of optimizer's group")
        param_of = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                            chain.from_iterable(g["params"] for g in groups)))

        state = defaultdict(dict)
        for key, value in state_dict["state"].items():
            if key in param_of:
                param = param_of[key]
                state[param] = _cast_state(param, value, _group_with(key, saved_groups))
            else:
                state[key] = value          # state that belongs to no parameter: kept as is

        for group, saved in zip(groups, saved_groups):
            saved["params"] = group["params"]
            if "param_names" in group and "param_names" not in saved:
                saved["param_names"] = group["param_names"]
        self.__setstate__({"state": state, "param_groups": saved_groups})


def _group_with(index, groups):
    return next((g for g in groups if index in g["params"]), {})


def _cast_state(param, value, group, key=None):
    """A parameter's saved state made to fit it: tensors on its device (and in its dtype when it
    is floating point), except the step counter, which stays as saved (PyTorch's policy)."""
    if isinstance(value, Tensor):
        if key == "step":
            if group.get("capturable") or group.get("fused"):
                return value.to(dtype=float32, device=param.device)
            return value
        if param.is_floating_point():
            return value.to(dtype=param.dtype, device=param.device)
        return value.to(device=param.device)
    if isinstance(value, dict):
        return {k: _cast_state(param, v, group, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast_state(param, v, group) for v in value)
    return value


# -- helpers for the optimizers' step methods ------------------------------------------------------
def _evaluate(closure):
    """The loss `closure()` returns, computed with gradients on (None without a closure)."""
    if closure is None:
        return None
    with enable_grad():
        return closure()


def _scalar(x):
    """A hyper-parameter as a Python number (PyTorch also accepts a one-element tensor)."""
    return x.item() if isinstance(x, Tensor) else x


def _check_lr(lr):
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")


def _check_not_negative(**options):
    """PyTorch's checks that options are >= 0, in the order given, with its messages: the keyword
    is the option's name in the message (`epsilon=eps` gives "Invalid epsilon value: -1")."""
    for name, value in options.items():
        if not 0.0 <= value:
            raise ValueError(f"Invalid {name} value: {value}")


def _check_betas(betas):
    for index in (0, 1):
        if not 0.0 <= betas[index] < 1.0:
            raise ValueError(f"Invalid beta parameter at index {index}: {betas[index]}")


def _check_not_differentiable(differentiable):
    """dlcore's steps write into the parameters outside autograd: they can't be differentiated."""
    if differentiable:
        raise NotImplementedError("differentiable=True is not supported by dlcore's optimizers: "
                                  "their steps update the parameters in place, outside autograd")


def _check_fused(fused, foreach, differentiable):
    """PyTorch's checks of the kernel options (dlcore has one implementation for all of them)."""
    if fused:
        if differentiable:
            raise RuntimeError("`fused` does not support `differentiable`")
        if foreach:
            raise RuntimeError("`fused` and `foreach` cannot be `True` together.")


def _scalar_dtype(fused=False):
    """The dtype of 0-d state such as the step count: float64 only when that is the default."""
    return float64 if get_default_dtype() is float64 and not fused else float32


def _step_counter(param, group, always_on_device=False):
    """A new step count, a 0-d tensor as PyTorch keeps it: on the CPU, or on the parameter's
    device for capturable or fused groups (and for ASGD)."""
    fused = group.get("fused")
    on_device = always_on_device or group.get("capturable") or fused
    return zeros((), dtype=_scalar_dtype(fused), device=param.device if on_device else None)


def _lerp_(start, end, weight):
    """start += weight * (end - start), in place, with PyTorch's formula for each range of weight
    (the one that loses less precision there)."""
    if abs(weight) < 0.5:
        start += weight * (end - start)
    else:
        start[...] = end - (end - start) * (1 - weight)


def _maximum_(a, b):
    """a = maximum(a, b), elementwise, in place."""
    array_module(a).maximum(a, b, out=a)


def _sqrt(array):
    return array_module(array).sqrt(array)
