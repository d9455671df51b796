"""The per-generation progress display.

On a terminal: one live line, rewritten in place (carriage return) after every generation,
showing the generation, best and mean fitness, evaluations per second and the time left.
Elsewhere (batch jobs, CI, a pipe): one plain log line per generation, as a log file wants.
Either way every generation line also goes through logging, so the run's l2l.log keeps the
whole history; on a terminal it is kept off the console handlers that write to that terminal
(the live line stands for it there), and a live line is cleared before any other console
message so the two never share a line.

The time left is estimated from the mean time per generation (and per evaluation, if the
study has an evaluation limit) to the study's limits; strategies may stop earlier on their own.
"""

from __future__ import annotations

import logging
import shutil
import sys
from pathlib import Path
from typing import TextIO

log = logging.getLogger("l2l")
_LIVE = "l2l_live"  # attribute marking a log record that the live line shows on the terminal


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}h{m:02d}m" if h else f"{m}m{s:02d}s" if m else f"{s}s"


def _is_tty(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


class _LiveConsoleFilter(logging.Filter):
    """On a console handler writing to the live terminal: drop generation records (the live line
    shows them) and wipe a pending live line before any other message is printed."""

    def __init__(self, progress: Progress) -> None:
        super().__init__()
        self.progress = progress

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, _LIVE, False):
            return False
        self.progress.clear()
        return True


class Progress:
    """Prints progress for one study; `stream` (default sys.stdout, where the console log goes)
    decides the mode: a terminal gets the live line, anything else plain log lines."""

    def __init__(
        self,
        quiet: bool,
        direction: str,
        generations: int,
        max_evaluations: int | None,
        stream: TextIO | None = None,
    ) -> None:
        self.quiet = quiet
        self.direction = direction
        self.generations = generations
        self.max_evaluations = max_evaluations
        self.stream = sys.stdout if stream is None else stream
        self.live = not quiet and _is_tty(self.stream)
        self._shown = 0  # characters of the live line now on the terminal (0: none)
        self._filters: list[tuple[logging.Handler, logging.Filter]] = []
        if self.live:
            self._attach_filters()

    def _attach_filters(self) -> None:
        seen = set()
        lg: logging.Logger | None = log
        while lg is not None:  # the handlers a record of "l2l" reaches, as logging walks them
            for h in lg.handlers:
                console = isinstance(h, logging.StreamHandler) and not isinstance(h, logging.FileHandler)
                if console and id(h) not in seen and _is_tty(getattr(h, "stream", None)):
                    f = _LiveConsoleFilter(self)
                    h.addFilter(f)
                    self._filters.append((h, f))
                    seen.add(id(h))
            lg = lg.parent if lg.propagate else None

    def eta_s(self, row: dict) -> float:
        done_gens = row["generation"] + 1
        per_gen = row["elapsed_s"] / done_gens
        left = (self.generations - done_gens) * per_gen
        if self.max_evaluations is not None and row["evaluations"]:
            per_eval = row["elapsed_s"] / row["evaluations"]
            left = min(left, max(0, self.max_evaluations - row["evaluations"]) * per_eval)
        return left

    def live_line(self, row: dict) -> str:
        """The terminal line: short enough for one line, the most useful fields first."""
        failed = f" | failed {row['failed']}" if row["failed"] else ""
        return (
            f"gen {row['generation'] + 1}/{self.generations} | best {row['best_so_far']:.6g}"
            f" (this gen {row['best']:.4g}, mean {row['mean']:.4g}) | {row['evals_per_s']:.0f} evals/s"
            f" | eta {_duration(self.eta_s(row))}{failed}"
        )

    def generation(self, row: dict) -> None:
        if self.quiet:
            return
        extra = "".join(
            f" | {k.split('.', 1)[1]} {v:.3g}" for k, v in row.items() if k.startswith("strategy.")
        )
        log.info(
            "gen %4d | evals %6d | best %.6g | mean %.6g | best so far %.6g%s | %.0f evals/s | eta %s%s",
            row["generation"],
            row["evaluations"],
            row["best"],
            row["mean"],
            row["best_so_far"],
            extra,
            row["evals_per_s"],
            _duration(self.eta_s(row)),
            f" | failed {row['failed']}" if row["failed"] else "",
            extra={_LIVE: self.live},
        )
        if self.live:
            self._show(self.live_line(row))

    def _show(self, line: str) -> None:
        width = shutil.get_terminal_size((100, 20)).columns - 1
        line = line[:width]  # a wrapped line could not be rewritten with \r
        self.stream.write("\r" + line + " " * max(0, self._shown - len(line)))
        self.stream.flush()
        self._shown = len(line)

    def clear(self) -> None:
        """Wipe the live line (before another message prints on the terminal)."""
        if self._shown:
            self.stream.write("\r" + " " * self._shown + "\r")
            self.stream.flush()
            self._shown = 0

    def close(self) -> None:
        """Leave the terminal as it was: keep the last live line, detach the log filters.
        Safe to call more than once (the study calls it also when a run raises)."""
        if self.live and self._shown:
            self.stream.write("\n")  # keep the last live line on screen
            self.stream.flush()
            self._shown = 0
        for h, f in self._filters:
            h.removeFilter(f)
        self._filters.clear()

    def done(self, reason: str, best: dict | None, run_dir: Path) -> None:
        self.close()
        fit = "none" if best is None else f"{best['fitness']:.6g} (generation {best['generation']})"
        held = best.get("held_out") if best else None
        if held:
            fit += (f"; held-out {held['mean']:.6g} +- {held['std']:.3g}"
                    f" (n = {held['n']}, failed {held['failed']})")
        log.info("stopped: %s; best %s; results in %s", reason, fit, run_dir)
