"""dlcore.optim.lr_scheduler against torch.optim.lr_scheduler: the learning rates each scheduler
sets over 30 epochs, its state_dict, its warnings and errors."""
import itertools
import warnings

import pytest

import dlcore
import dlcore.optim as optim
from dlcore.optim import lr_scheduler

torch = pytest.importorskip("torch")


def _optimizer(lib, groups=1, name="SGD", lr=0.1):
    params = [lib.tensor([1.0, -1.0], requires_grad=True) for _ in range(groups)]
    return getattr(lib.optim, name)([{"params": [p], "lr": lr * (i + 1)}
                                     for i, p in enumerate(params)], lr=lr)


def _rates(lib, make_scheduler, epochs=30, metrics=None, groups=2):
    """The rates of every group after each epoch, training in the right order (optimizer.step,
    then scheduler.step); also what get_last_lr reports."""
    opt = _optimizer(lib, groups)
    scheduler = make_scheduler(lib.optim.lr_scheduler, opt)
    rates = [[g["lr"] for g in opt.param_groups]]
    for epoch in range(epochs):
        opt.step()
        if metrics is None:
            scheduler.step()
        else:
            scheduler.step(metrics[epoch])
        rates.append([g["lr"] for g in opt.param_groups])
        assert scheduler.get_last_lr() == rates[-1]
    return rates, scheduler


SCHEDULERS = {
    "StepLR-3": lambda s, o: s.StepLR(o, step_size=3),
    "StepLR-7-gamma0.5": lambda s, o: s.StepLR(o, 7, gamma=0.5),
    "ExponentialLR": lambda s, o: s.ExponentialLR(o, gamma=0.9),
    "CosineAnnealingLR": lambda s, o: s.CosineAnnealingLR(o, T_max=10),
    "CosineAnnealingLR-eta_min": lambda s, o: s.CosineAnnealingLR(o, T_max=7, eta_min=0.01),
}


@pytest.mark.parametrize("name", SCHEDULERS)
def test_rates_match_torch(name):
    ours, scheduler = _rates(dlcore, SCHEDULERS[name])
    theirs, torch_scheduler = _rates(torch, SCHEDULERS[name])
    assert ours == theirs             # the same float arithmetic: equal to the last bit
    assert scheduler.last_epoch == torch_scheduler.last_epoch == 30
    assert ours[1] != ours[-1]                        # the schedule does change the rates


def test_state_dict_matches_torch():
    for name, make in SCHEDULERS.items():
        _, scheduler = _rates(dlcore, make, epochs=4)
        _, torch_scheduler = _rates(torch, make, epochs=4)
        assert scheduler.state_dict() == torch_scheduler.state_dict(), name


def test_load_state_dict_resumes_the_schedule():
    full, _ = _rates(dlcore, SCHEDULERS["CosineAnnealingLR"], epochs=12)
    opt = _optimizer(dlcore, 2)
    first = lr_scheduler.CosineAnnealingLR(opt, T_max=10)
    for _ in range(5):
        opt.step()
        first.step()
    saved_opt, saved = opt.state_dict(), first.state_dict()

    opt2 = _optimizer(dlcore, 2)
    second = lr_scheduler.CosineAnnealingLR(opt2, T_max=10)
    opt2.load_state_dict(saved_opt)
    second.load_state_dict(saved)
    rates = []
    for _ in range(7):
        opt2.step()
        second.step()
        rates.append([g["lr"] for g in opt2.param_groups])
    assert rates == full[6:]


def test_resuming_with_last_epoch():
    def run(lib):
        opt = _optimizer(lib)
        for group in opt.param_groups:
            group["initial_lr"] = 1.0
        scheduler = lib.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10, last_epoch=4)
        rates = [opt.param_groups[0]["lr"]]
        for _ in range(8):
            opt.step()
            scheduler.step()
            rates.append(opt.param_groups[0]["lr"])
        return rates
    assert run(dlcore) == run(torch)


PLATEAU_METRICS = [1.0, 0.9, 0.95, 0.95, 0.95, 0.9, 0.9, 0.9, 0.9, 0.8, 0.8, 0.8, 0.85, 0.85,
                   0.85, 0.85, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.69999, 0.7, 0.7, 0.7, 0.7, 0.7,
                   0.7, 0.7]
PLATEAU_OPTIONS = [dict(zip(("mode", "threshold_mode", "patience", "cooldown", "threshold"), v))
                   for v in itertools.product(["min", "max"], ["rel", "abs"], [0, 2], [0, 3],
                                              [1e-4, 0.05])]
PLATEAU_OPTIONS += [{"patience": 1, "min_lr": 0.005}, {"patience": 1, "min_lr": [0.02, 0.001]},
                    {"patience": 0, "factor": 0.5, "eps": 0.03}]


@pytest.mark.parametrize("options", PLATEAU_OPTIONS, ids=[str(o) for o in PLATEAU_OPTIONS])
def test_reduce_lr_on_plateau_matches_torch(options):
    def make(s, o):
        return s.ReduceLROnPlateau(o, **options)
    ours, scheduler = _rates(dlcore, make, metrics=PLATEAU_METRICS)
    theirs, torch_scheduler = _rates(torch, make, metrics=PLATEAU_METRICS)
    assert ours == theirs             # the same float arithmetic: equal to the last bit
    assert scheduler.state_dict() == torch_scheduler.state_dict()


def test_reduce_lr_on_plateau_takes_a_tensor_metric_and_restores_its_state():
    opt = _optimizer(dlcore)
    scheduler = lr_scheduler.ReduceLROnPlateau(opt, mode="max", patience=0)
    scheduler.step(dlcore.tensor(1.0))
    scheduler.step(dlcore.tensor(0.5))
    assert opt.param_groups[0]["lr"] == pytest.approx(0.01)
    again = lr_scheduler.ReduceLROnPlateau(_optimizer(dlcore))
    again.load_state_dict(scheduler.state_dict())
    assert again.mode == "max" and again.best == 1.0 and again.mode_worse == float("-inf")


def _raises_like_torch(make):
    with pytest.raises(Exception) as expected:
        make(torch)
    with pytest.raises(type(expected.value)) as got:
        make(dlcore)
    assert str(got.value) == str(expected.value).replace("torch.", "dlcore.")


@pytest.mark.parametrize("make", [
    lambda lib: lib.optim.lr_scheduler.ReduceLROnPlateau(_optimizer(lib), factor=1.0),
    lambda lib: lib.optim.lr_scheduler.ReduceLROnPlateau(_optimizer(lib), mode="best"),
    lambda lib: lib.optim.lr_scheduler.ReduceLROnPlateau(_optimizer(lib), threshold_mode="x"),
    lambda lib: lib.optim.lr_scheduler.ReduceLROnPlateau(_optimizer(lib), min_lr=[0.1, 0.2]),
    lambda lib: lib.optim.lr_scheduler.ReduceLROnPlateau("sgd"),
    lambda lib: lib.optim.lr_scheduler.StepLR([1.0], 3),
    lambda lib: lib.optim.lr_scheduler.StepLR(_optimizer(lib), 3, last_epoch=2),
    lambda lib: lib.optim.lr_scheduler.LRScheduler(_optimizer(lib)),
], ids=["factor", "mode", "threshold_mode", "min_lrs", "not-optimizer", "step-not-optimizer",
        "no-initial_lr", "base-get_lr"])
def test_errors_match_torch(make):
    _raises_like_torch(make)


def _warnings_of(lib, calls):
    """The warning messages a run of `calls(opt, scheduler)` gives."""
    opt = _optimizer(lib)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        scheduler = lib.optim.lr_scheduler.StepLR(opt, 2)
        calls(opt, scheduler)
    return [str(w.message).replace("torch.", "dlcore.") for w in caught]


@pytest.mark.parametrize("calls,count", [
    (lambda opt, s: (opt.step(), s.step(), opt.step(), s.step()), 0),     # the right order
    (lambda opt, s: (s.step(), opt.step()), 1),                           # scheduler first
    (lambda opt, s: s.get_lr(), 1),
    (lambda opt, s: (opt.step(), s.step(5)), 1),                          # an explicit epoch
], ids=["right-order", "wrong-order", "get_lr", "epoch"])
def test_warnings_match_torch(calls, count):
    ours = _warnings_of(dlcore, calls)
    assert ours == _warnings_of(torch, calls)
    assert len(ours) == count


def test_the_optimizer_step_is_still_the_optimizers():
    opt = _optimizer(dlcore)
    lr_scheduler.ExponentialLR(opt, gamma=0.5)
    p = opt.param_groups[0]["params"][0]
    p.grad = dlcore.ones(2)
    opt.step()
    assert p.tolist() == pytest.approx([0.9, -1.1]) and opt._opt_called
    assert opt.step.__name__ == "step"
    wrapped = opt.step
    lr_scheduler.StepLR(opt, 3)                 # a second scheduler does not wrap it again
    assert opt.step is wrapped


def test_tensor_lr_is_updated_in_place():
    def run(lib):
        p = lib.tensor([1.0], requires_grad=True)
        lr = lib.tensor(0.1)
        opt = lib.optim.Adam([p], lr=lr)
        scheduler = lib.optim.lr_scheduler.StepLR(opt, 2, gamma=0.5)
        for _ in range(5):
            opt.step()
            scheduler.step()
        return lr.item(), opt.param_groups[0]["lr"] is lr
    assert run(dlcore) == pytest.approx(run(torch))


def test_dir_lists_the_schedulers():
    assert {"LRScheduler", "StepLR", "ExponentialLR", "CosineAnnealingLR",
            "ReduceLROnPlateau"} <= set(dir(optim.lr_scheduler))
