"""Rprop: resilient backpropagation; each coordinate moves by its own step size, grown while the
gradient keeps its sign and shrunk when it flips. Only the gradient's sign is used."""
from ..backend import array_module
from ..ops.creation import full_like, zeros_like
from .optimizer import (Optimizer, _check_lr, _check_not_differentiable, _evaluate, _scalar,
                        _step_counter)

__all__ = ["Rprop"]


class Rprop(Optimizer):
    """step_size *= etaplus where g keeps its sign, etaminus where it flips (clamped to
    step_sizes); p -= sign(g) * step_size, skipping the coordinates whose sign flipped."""

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        _check_lr(lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        _check_not_differentiable(differentiable)
        defaults = {"lr": lr, "etas": etas, "step_sizes": step_sizes, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable,
                    "capturable": capturable}
        super().__init__(params, defaults)

    def _init_state(self, p, state, group):
        state["step"] = _step_counter(p, group)
        state["prev"] = zeros_like(p)
        state["step_size"] = full_like(p.grad, _scalar(group["lr"]))

    def step(self, closure=None):
        loss = _evaluate(closure)
        for group in self.param_groups:
            etaminus, etaplus = group["etas"]
            step_size_min, step_size_max = group["step_sizes"]
            for param, grad, state, _ in self._params_with_grad(group):
                prev, step_size = state["prev"]._data, state["step_size"]._data
                xp = array_module(param)
                # the factor each step size is multiplied by, from the sign of g * previous g
                factor = xp.sign(grad * prev)
                factor[factor > 0] = etaplus
                factor[factor < 0] = etaminus
                factor[factor == 0] = 1
                step_size *= factor
                xp.clip(step_size, step_size_min, step_size_max, out=step_size)
                grad = grad.copy()
                grad[factor == etaminus] = 0         # after a sign flip: no step, forget g
                param += -1 * xp.sign(grad) * step_size
                prev[...] = grad
        return loss
