"""SGD: stochastic gradient descent, with optional momentum (heavy-ball or Nesterov)."""
from .._tensor import _wrap
from .optimizer import (Optimizer, _check_fused, _check_lr, _check_not_differentiable, _evaluate,
                        _grad, _scalar, _updated)

__all__ = ["SGD"]


class SGD(Optimizer):
    """p -= lr * g, where g is the gradient (plus weight_decay * p), or with momentum the running
    buffer b = momentum * b + (1 - dampening) * g (Nesterov: g + momentum * b)."""

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False,
                 *, maximize=False, foreach=None, differentiable=False, fused=None):
        _check_lr(lr)
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
            lr = _scalar(group["lr"])
            momentum, dampening = group["momentum"], group["dampening"]
            weight_decay, nesterov = _scalar(group["weight_decay"]), group["nesterov"]
            maximize = group["maximize"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                param, grad = p._data, _grad(p, maximize)
                if weight_decay != 0:
                    grad = grad + weight_decay * param
                if momentum != 0:
                    state = self.state[p]
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
                _updated(p)
        return loss
