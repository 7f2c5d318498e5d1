"""Adamax: Adam with the second moment replaced by a running maximum of |g| (the infinity norm)."""
from ..ops.creation import zeros_like
from .optimizer import (Optimizer, _check_betas, _check_lr, _check_not_differentiable,
                        _check_not_negative, _evaluate, _lerp_, _maximum_, _scalar, _step_counter)

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """m = beta1 * m + (1 - beta1) * g; u = max(beta2 * u, |g| + eps);
    p -= lr / (1 - beta1**t) * m / u."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 foreach=None, *, maximize=False, differentiable=False, capturable=False):
        _check_lr(lr)
        _check_not_negative(epsilon=eps)
        _check_betas(betas)
        _check_not_negative(weight_decay=weight_decay)
        _check_not_differentiable(differentiable)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "foreach": foreach, "maximize": maximize, "differentiable": differentiable,
                    "capturable": capturable}
        super().__init__(params, defaults)

    def _init_state(self, p, state, group):
        state["step"] = _step_counter(p, group)
        state["exp_avg"] = zeros_like(p)
        state["exp_inf"] = zeros_like(p)

    def step(self, closure=None):
        loss = _evaluate(closure)
        for group in self.param_groups:
            lr, eps, (beta1, beta2) = _scalar(group["lr"]), group["eps"], group["betas"]
            for param, grad, state, step in self._params_with_grad(group):
                exp_avg, exp_inf = state["exp_avg"]._data, state["exp_inf"]._data
                _lerp_(exp_avg, grad, 1 - beta1)
                exp_inf *= beta2
                _maximum_(exp_inf, abs(grad) + eps)
                clr = lr / (1 - beta1 ** step)
                param += -clr * exp_avg / exp_inf
        return loss
