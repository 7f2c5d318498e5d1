"""Adadelta: steps sized by the ratio of running averages of past updates and of gradients."""
from ..ops.creation import zeros_like
from .optimizer import (Optimizer, _check_lr, _check_not_differentiable, _check_not_negative,
                        _evaluate, _scalar, _sqrt, _step_counter)

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """v = rho * v + (1 - rho) * g**2; delta = sqrt(u + eps) / sqrt(v + eps) * g;
    u = rho * u + (1 - rho) * delta**2; p -= lr * delta."""

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *,
                 capturable=False, maximize=False, differentiable=False):
        _check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        _check_not_negative(epsilon=eps, weight_decay=weight_decay)
        _check_not_differentiable(differentiable)
        defaults = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize, "capturable": capturable, "foreach": foreach,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def _init_state(self, p, state, group):
        state["step"] = _step_counter(p, group)
        state["square_avg"] = zeros_like(p)
        state["acc_delta"] = zeros_like(p)

    def step(self, closure=None):
        loss = _evaluate(closure)
        for group in self.param_groups:
            lr, rho, eps = _scalar(group["lr"]), group["rho"], group["eps"]
            for param, grad, state, _ in self._params_with_grad(group):
                square_avg, acc_delta = state["square_avg"]._data, state["acc_delta"]._data
                square_avg *= rho
                square_avg += (1 - rho) * grad * grad
                delta = _sqrt(acc_delta + eps) / _sqrt(square_avg + eps) * grad
                acc_delta *= rho
                acc_delta += (1 - rho) * delta * delta
                param += -lr * delta
        return loss
