"""RMSprop: steps divided by a running root-mean-square of the gradients."""
from ..ops.creation import zeros_like
from .optimizer import (Optimizer, _check_lr, _check_not_differentiable, _check_not_negative,
                        _evaluate, _lerp_, _scalar, _sqrt, _step_counter)

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """v = alpha * v + (1 - alpha) * g**2, then p -= lr * g / (sqrt(v) + eps). `centered` uses the
    variance v - mean(g)**2 instead of v; `momentum` accumulates the steps in a buffer."""

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False):
        _check_lr(lr)
        _check_not_negative(epsilon=eps, momentum=momentum, weight_decay=weight_decay,
                            alpha=alpha)
        _check_not_differentiable(differentiable)
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps,
                    "centered": centered, "weight_decay": weight_decay, "capturable": capturable,
                    "foreach": foreach, "maximize": maximize, "differentiable": differentiable}
        super().__init__(params, defaults)

    def _init_state(self, p, state, group):
        state["step"] = _step_counter(p, group)
        state["square_avg"] = zeros_like(p)
        if group["momentum"] > 0:
            state["momentum_buffer"] = zeros_like(p)
        if group["centered"]:
            state["grad_avg"] = zeros_like(p)

    def step(self, closure=None):
        loss = _evaluate(closure)
        for group in self.param_groups:
            lr, alpha, eps = _scalar(group["lr"]), group["alpha"], group["eps"]
            momentum, centered = group["momentum"], group["centered"]
            for param, grad, state, _ in self._params_with_grad(group):
                square_avg = state["square_avg"]._data
                square_avg *= alpha
                square_avg += (1 - alpha) * grad * grad
                if centered:
                    grad_avg = state["grad_avg"]._data
                    _lerp_(grad_avg, grad, 1 - alpha)
                    avg = _sqrt(square_avg - grad_avg * grad_avg) + eps
                else:
                    avg = _sqrt(square_avg) + eps
                if momentum > 0:
                    buf = state["momentum_buffer"]._data
                    buf *= momentum
                    buf += grad / avg
                    param += -lr * buf
                else:
                    param += -lr * grad / avg
        return loss
