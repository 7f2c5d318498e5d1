"""Adagrad: each coordinate's step shrinks with the sum of its squared gradients so far."""
from ..ops.creation import full_like
from .optimizer import (Optimizer, _check_fused, _check_lr, _check_not_differentiable,
                        _check_not_negative, _evaluate, _scalar, _sqrt, _step_counter)

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """sum += g**2, then p -= clr * g / (sqrt(sum) + eps), where the rate decays as
    clr = lr / (1 + (t - 1) * lr_decay) with the step count t."""

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, foreach=None, *, maximize=False, differentiable=False, fused=None):
        _check_lr(lr)
        _check_not_negative(lr_decay=lr_decay, weight_decay=weight_decay,
                            initial_accumulator_value=initial_accumulator_value, epsilon=eps)
        _check_not_differentiable(differentiable)
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable, "fused": fused}
        super().__init__(params, defaults)
        _check_fused(fused, foreach, differentiable)
        # unlike the other optimizers, Adagrad's state exists from the start (as in PyTorch)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, self.state[p], group)

    def _init_state(self, p, state, group):
        # the constructor's initial_accumulator_value, whatever the group says (as in PyTorch)
        state["step"] = _step_counter(p, group)
        state["sum"] = full_like(p, self.defaults["initial_accumulator_value"])

    def step(self, closure=None):
        loss = _evaluate(closure)
        for group in self.param_groups:
            lr, lr_decay, eps = _scalar(group["lr"]), group["lr_decay"], group["eps"]
            for param, grad, state, step in self._params_with_grad(group):
                clr = lr / (1 + (step - 1) * lr_decay)
                state_sum = state["sum"]._data
                state_sum += grad * grad
                param += -clr * grad / (_sqrt(state_sum) + eps)
        return loss
