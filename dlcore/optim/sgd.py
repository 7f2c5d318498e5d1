"""SGD: stochastic gradient descent, with optional momentum (heavy-ball or Nesterov)."""
from .._tensor import _wrap
from .optimizer import (Optimizer, _check_fused, _check_lr, _check_not_differentiable, _evaluate,
                        _scalar)

__all__ = ["SGD"]


class SGD(Optimizer):
    """p -= lr * g, where g is the gradient (plus weight_decay * p), or with momentum the running
    buffer b = momentum * b + (1 - dampening) * g (Nesterov: g + momentum * b)."""

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False,
                 *, maximize=False, foreach=None, differentiable=False, fused=None):
        _check_lr(lr)
        # `< 0.0` rather than `not 0.0 <=`: PyTorch's SGD lets a NaN momentum or decay through
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening,
                    "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize,
                    "foreach": foreach, "differentiable": differentiable, "fused": fused}
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        _check_not_differentiable(differentiable)
        super().__init__(params, defaults)
        _check_fused(fused, foreach, differentiable)

    def step(self, closure=None):
        loss = _evaluate(closure)
        for group in self.param_groups:
            lr, momentum, dampening = _scalar(group["lr"]), group["momentum"], group["dampening"]
            nesterov = group["nesterov"]
            # only momentum needs state: without it SGD keeps none, as in PyTorch
            for param, grad, state, _ in self._params_with_grad(group, stateful=momentum != 0):
                if momentum != 0:
                    buf = state.get("momentum_buffer")
                    if buf is None:                   # the first step: the buffer is the gradient
                        buf = grad.copy()
                        state["momentum_buffer"] = _wrap(buf)
                    else:
                        buf = buf._data
                        buf *= momentum
                        buf += (1 - dampening) * grad
                    grad = grad + momentum * buf if nesterov else buf
                param -= lr * grad
        return loss
