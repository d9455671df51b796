import io
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


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_not_a_terminal_gives_plain_log_lines_and_no_live_line(caplog):
    stream = io.StringIO()  # a pipe or file: isatty() is False
    p = Progress(False, "minimize", 100, None, stream=stream)
    assert not p.live
    with caplog.at_level(logging.INFO, logger="l2l"):
        p.generation(row())
        p.generation(row(generation=10))
        p.done("generations=100 reached", {"fitness": 1.0, "generation": 9}, "runs/x")
    assert stream.getvalue() == ""
    gens = [r for r in caplog.records if r.getMessage().startswith("gen ")]
    assert [r.getMessage()[:8] for r in gens] == ["gen    9", "gen   10"]


def test_terminal_gets_one_line_rewritten_in_place_and_the_log_file_keeps_every_generation(tmp_path):
    tty = FakeTTY()
    console = logging.StreamHandler(tty)  # as Hydra's console handler, on the same terminal
    logfile = logging.FileHandler(tmp_path / "l2l.log")
    logger = logging.getLogger("l2l")
    old_level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(console)
    logger.addHandler(logfile)
    try:
        p = Progress(False, "minimize", 100, None, stream=tty)
        assert p.live
        p.generation(row(generation=0, elapsed_s=1.0, best=3.0, best_so_far=3.0, mean=5.0))
        p.generation(row(generation=1, elapsed_s=2.0, best=2.0, best_so_far=2.0, mean=4.0, evals_per_s=123.0))
        out = tty.getvalue()
        assert "\n" not in out  # nothing but the live line so far
        frames = out.split("\r")[1:]
        assert len(frames) == 2
        assert frames[0].startswith("gen 1/100 | best 3 (this gen 3, mean 5)")
        assert frames[1].startswith("gen 2/100 | best 2 (this gen 2, mean 4) | 123 evals/s | eta 1m38s")
        assert len(frames[1]) >= len(frames[0])  # padded: no leftovers of a longer old line
        logger.warning("a worker died")  # another message clears the live line first
        assert tty.getvalue().endswith("\r" + " " * len(frames[1]) + "\ra worker died\n")
        p.generation(row(generation=2))
        p.done("generations=100 reached", {"fitness": 1.0, "generation": 2}, "runs/x")
        assert tty.getvalue().endswith(
            "\nstopped: generations=100 reached; best 1 (generation 2); results in runs/x\n"
        )
        assert console.filters == []  # detached when done
    finally:
        logger.removeHandler(console)
        logger.removeHandler(logfile)
        logfile.close()
        logger.setLevel(old_level)
    text = (tmp_path / "l2l.log").read_text()
    assert text.count("gen ") == 3 and "a worker died" in text and "stopped:" in text


def test_quiet_terminal_shows_nothing():
    tty = FakeTTY()
    p = Progress(True, "minimize", 100, None, stream=tty)
    p.generation(row())
    assert not p.live and tty.getvalue() == ""
