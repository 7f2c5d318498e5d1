"""Adam: steps scaled by running averages of the gradient and of its square."""
from ..ops.creation import zeros_like
from .._tensor import Tensor
from .optimizer import (Optimizer, _check_betas, _check_fused, _check_lr,
                        _check_not_differentiable, _check_not_negative, _evaluate, _lerp_,
                        _maximum_, _scalar, _sqrt, _step_counter)

__all__ = ["Adam"]


class Adam(Optimizer):
    """m = beta1 * m + (1 - beta1) * g and v = beta2 * v + (1 - beta2) * g**2, then
    p -= lr * m_hat / (sqrt(v_hat) + eps), with m_hat and v_hat corrected for starting at zero.
    `amsgrad` divides by the largest v seen so far; `decoupled_weight_decay` (AdamW) shrinks p
    directly instead of adding weight_decay * p to the gradient."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False):
        _check_lr(lr)
        _check_not_negative(epsilon=eps)
        _check_betas(betas)
        _check_not_negative(weight_decay=weight_decay)
        if not (all(isinstance(b, float) for b in betas)
                or all(isinstance(b, Tensor) for b in betas)):
            raise ValueError("betas must be either both floats or both Tensors")
        for i, beta in enumerate(betas):
            if isinstance(beta, Tensor) and beta.numel() != 1:
                raise ValueError(f"Tensor betas[{i}] must be 1-element")
        _check_not_differentiable(differentiable)
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                    "amsgrad": amsgrad, "maximize": maximize, "foreach": foreach,
                    "capturable": capturable, "differentiable": differentiable, "fused": fused,
                    "decoupled_weight_decay": decoupled_weight_decay}
        super().__init__(params, defaults)
        _check_fused(fused, foreach, differentiable)

    def _init_state(self, p, state, group):
        state["step"] = _step_counter(p, group)
        state["exp_avg"] = zeros_like(p)
        state["exp_avg_sq"] = zeros_like(p)
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = zeros_like(p)

    def step(self, closure=None):
        loss = _evaluate(closure)
        for group in self.param_groups:
            lr, eps, amsgrad = _scalar(group["lr"]), group["eps"], group["amsgrad"]
            beta1, beta2 = map(_scalar, group["betas"])
            for param, grad, state, step in self._params_with_grad(group):
                exp_avg, exp_avg_sq = state["exp_avg"]._data, state["exp_avg_sq"]._data
                _lerp_(exp_avg, grad, 1 - beta1)
                exp_avg_sq *= beta2
                exp_avg_sq += (1 - beta2) * grad * grad

                step_size = lr / (1 - beta1 ** step)
                bias_correction2_sqrt = (1 - beta2 ** step) ** 0.5
                if amsgrad:
                    max_exp_avg_sq = state["max_exp_avg_sq"]._data
                    _maximum_(max_exp_avg_sq, exp_avg_sq)
                    denom = _sqrt(max_exp_avg_sq) / bias_correction2_sqrt + eps
                else:
                    denom = _sqrt(exp_avg_sq) / bias_correction2_sqrt + eps
                param += -step_size * exp_avg / denom
        return loss
