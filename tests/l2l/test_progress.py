import logging

from l2l.progress import Progress, _duration


def row(**kw):
    base = {
        "generation": 9,
        "evaluations": 100,
        "elapsed_s": 10.0,
        "best": 1.0,
        "mean": 2.0,
        "best_so_far": 1.0,
        "evals_per_s": 10.0,
        "failed": 0,
        "strategy.sigma": 0.5,
    }
    return {**base, **kw}


def test_eta_from_generation_and_evaluation_limits():
    assert Progress(False, "minimize", 100, None).eta_s(row()) == 90.0  # 1 s per generation, 90 left
    assert Progress(False, "minimize", 100, 150).eta_s(row()) == 5.0  # 0.1 s per evaluation, 50 left
    assert Progress(False, "minimize", 10, None).eta_s(row()) == 0.0


def test_duration_format():
    assert (_duration(5), _duration(125), _duration(3725)) == ("5s", "2m05s", "1h02m")


def test_quiet_prints_nothing_and_loud_prints_eta(caplog):
    with caplog.at_level(logging.INFO, logger="l2l"):
        Progress(True, "minimize", 100, None).generation(row())
        assert caplog.text == ""
        Progress(False, "minimize", 100, None).generation(row())
    assert (
        "gen    9 | evals    100" in caplog.text and "sigma 0.5" in caplog.text and "eta 1m30s" in caplog.text
    )
