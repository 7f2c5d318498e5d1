"""Adagrad: each coordinate's step shrinks with the sum of its squared gradients so far."""
from ..ops.creation import full_like
from .optimizer import (Optimizer, _check_fused, _check_lr, _check_not_differentiable, _evaluate,
                        _grad, _next_step, _scalar, _sqrt, _step_counter, _updated)

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """sum += g**2, then p -= clr * g / (sqrt(sum) + eps), where the rate decays as
    clr = lr / (1 + (t - 1) * lr_decay) with the step count t."""

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, foreach=None, *, maximize=False, differentiable=False, fused=None):
        _check_lr(lr)
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError("Invalid initial_accumulator_value value: "
                             f"{initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        _check_not_differentiable(differentiable)
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable, "fused": fused}
        super().__init__(params, defaults)
        _check_fused(fused, foreach, differentiable)
        # unlike the other optimizers, Adagrad's state exists from the start (as in PyTorch)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, group, initial_accumulator_value)

    def _init_state(self, p, group, initial_accumulator_value):
        state = self.state[p]
        state["step"] = _step_counter(p, group)
        state["sum"] = full_like(p, initial_accumulator_value)

    def step(self, closure=None):
        loss = _evaluate(closure)
        for group in self.param_groups:
            lr, lr_decay, eps = _scalar(group["lr"]), group["lr_decay"], group["eps"]
            weight_decay, maximize = group["weight_decay"], group["maximize"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if len(state) == 0:          # a parameter added later with add_param_group
                    self._init_state(p, group, self.defaults["initial_accumulator_value"])
                step = _next_step(state)
                param, grad = p._data, _grad(p, maximize)
                if weight_decay != 0:
                    grad = grad + weight_decay * param
                clr = lr / (1 + (step - 1) * lr_decay)
                state_sum = state["sum"]._data
                state_sum += grad * grad
                param += -clr * grad / (_sqrt(state_sum) + eps)
                _updated(p)
        return loss
