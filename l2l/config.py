"""Typed, picklable study specs, built from a plain config dict.

The CLI (the only module that imports Hydra) resolves the Hydra config into a plain dict and
calls `study_from_dict`. Every key is checked here before any evaluation runs: an unknown key
or an invalid value fails with a message naming it and what is allowed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from l2l import evaluation, strategies, tasks
from l2l.seeding import check_seed


@dataclass(frozen=True)
class StudySpec:
    seed: int
    generations: int  # at most this many generations
    max_evaluations: int | None  # stop once this many evaluations have run (None: no limit)
    repetitions: int  # evaluations per genome, each with its own seed; the loss is their mean
    target: float | None  # stop once the best score reaches this (in the task's direction)
    quiet: bool
    strategy: Any
    task: Any
    evaluator: Any
    config: dict  # the whole resolved config, as written to the run directory
    held_out: int = 0  # evaluations of the best genome on held-out seeds at the end (0: none)

    def fingerprint(self) -> str:
        """Hash of everything that decides the results; resuming requires the same one."""
        keep = {k: v for k, v in self.config.items() if k not in _RESULT_NEUTRAL}
        blob = json.dumps(keep, sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:16]


# keys that may change between a run and its resume without changing any result
# (held_out only adds a check after training; it does not change the training's results)
_RESULT_NEUTRAL = {"evaluator", "quiet", "generations", "max_evaluations", "target", "resume", "held_out"}

_TOP_KEYS = {
    "seed",
    "generations",
    "max_evaluations",
    "repetitions",
    "target",
    "quiet",
    "held_out",
    "strategy",
    "task",
    "evaluator",
    "resume",
}


def _build(kind: str, section: Any, make):
    if not isinstance(section, dict) or "name" not in section:
        raise ValueError(f"config section '{kind}' must be a mapping with a 'name' key")
    params = {k: v for k, v in section.items() if k != "name"}
    return make(section["name"], params)


def _dataclass_from(kind: str, cls: type, params: dict):
    allowed = [f.name for f in dataclasses.fields(cls)]
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise ValueError(
            f"unknown key(s) {', '.join(f'{kind}.{u}' for u in unknown)}; "
            f"allowed keys of {kind}: {sorted(allowed)}"
        )
    try:
        return cls(**params)
    except TypeError as exc:
        raise ValueError(f"{kind}: {exc}") from None


def _make_from_registry(kind: str, registry: dict):
    def make(name, params):
        if name not in registry:
            raise ValueError(f"unknown {kind} {name!r}; allowed: {sorted(registry)}")
        entry = registry[name]
        if isinstance(entry, tuple):  # (implementation, params dataclass)
            impl, pcls = entry
            return impl(_dataclass_from(kind, pcls, params))
        return _dataclass_from(kind, entry, {**params, "name": name})  # a task dataclass

    return make


def _check_int(field: str, value: Any, minimum: int, allow_none: bool = False) -> None:
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        extra = " or null" if allow_none else ""
        raise ValueError(f"{field} must be an integer >= {minimum}{extra}, got {value!r}")


def study_from_dict(cfg: dict) -> StudySpec:
    unknown = sorted(set(cfg) - _TOP_KEYS)
    if unknown:
        raise ValueError(f"unknown top-level config key(s) {unknown}; allowed: {sorted(_TOP_KEYS)}")
    check_seed(cfg.get("seed"), "seed")
    _check_int("generations", cfg.get("generations"), 1)
    _check_int("max_evaluations", cfg.get("max_evaluations"), 1, allow_none=True)
    _check_int("repetitions", cfg.get("repetitions"), 1)
    _check_int("held_out", cfg.get("held_out", 0), 0)
    target = cfg.get("target")
    if target is not None and not isinstance(target, int | float):
        raise ValueError(f"target must be a number or null, got {target!r}")
    if not isinstance(cfg.get("quiet"), bool):
        raise ValueError(f"quiet must be true or false, got {cfg.get('quiet')!r}")
    strategy = _build("strategy", cfg.get("strategy"), _make_from_registry("strategy", strategies.REGISTRY))
    task = _build("task", cfg.get("task"), _make_from_registry("task", tasks.REGISTRY))
    if task.direction not in tasks.DIRECTIONS:
        raise ValueError(f"task.direction must be one of {tasks.DIRECTIONS}, got {task.direction!r}")
    task.search_space()  # a task whose genes are invalid fails now, not in a worker
    evaluator = _build(
        "evaluator", cfg.get("evaluator"), _make_from_registry("evaluator", evaluation.REGISTRY)
    )
    return StudySpec(
        seed=int(cfg["seed"]),
        generations=cfg["generations"],
        max_evaluations=cfg.get("max_evaluations"),
        repetitions=cfg["repetitions"],
        target=None if target is None else float(target),
        quiet=cfg["quiet"],
        held_out=cfg.get("held_out", 0),
        strategy=strategy,
        task=task,
        evaluator=evaluator,
        config=cfg,
    )
