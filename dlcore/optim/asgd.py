"""ASGD: averaged stochastic gradient descent (keeps a running average of the iterates in "ax")."""
from ..ops.creation import ones, tensor, zeros_like
from .optimizer import (Optimizer, _check_lr, _check_not_differentiable, _check_not_negative,
                        _evaluate, _scalar, _step_counter)

__all__ = ["ASGD"]


def _rounded(value):
    """value rounded to the default dtype, as PyTorch's eta and mu pass through a new tensor."""
    return tensor(value).item()


class ASGD(Optimizer):
    """p = p * (1 - lambd * eta) - eta * g; ax averages p from step t0 on; eta decays as
    lr / (1 + lambd * lr * t) ** alpha."""

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0,
                 foreach=None, maximize=False, differentiable=False, capturable=False):
        _check_lr(lr)
        _check_not_negative(weight_decay=weight_decay)
        _check_not_differentiable(differentiable)
        defaults = {"lr": lr, "lambd": lambd, "alpha": alpha, "t0": t0,
                    "weight_decay": weight_decay, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "capturable": capturable}
        super().__init__(params, defaults)

    def _init_state(self, p, state, group):
        # eta and mu are 0-d tensors like the step count, so they round the same way
        step_counter = _step_counter(p, group, always_on_device=True)
        state["step"] = step_counter
        state["eta"] = tensor(_scalar(group["lr"]), dtype=step_counter.dtype, device=p.device)
        state["mu"] = ones((), dtype=step_counter.dtype, device=p.device)
        state["ax"] = zeros_like(p)

    def step(self, closure=None):
        loss = _evaluate(closure)
        for group in self.param_groups:
            lr, lambd, alpha, t0 = _scalar(group["lr"]), group["lambd"], group["alpha"], group["t0"]
            for param, grad, state, step in self._params_with_grad(group):
                eta, mu, ax = state["eta"]._data, state["mu"]._data, state["ax"]._data
                eta_value = eta.item()
                param *= 1 - lambd * eta_value
                param += -eta_value * grad
                if mu.item() != 1:
                    ax += (param - ax) * mu
                else:
                    ax[...] = param
                eta[...] = _rounded(lr / ((1 + lambd * lr * step) ** alpha))
                mu[...] = _rounded(1 / max(1, step - t0))
        return loss
