"""The `l2l` command: a Hydra app over configs/ at the repository root.

This is the only module that imports Hydra or OmegaConf. It resolves the composed config into
a plain dict, turns it into typed specs (l2l.config) and hands them to l2l.run.run_study.

    l2l                                   # the default study
    l2l task=sphere task.dim=20 seed=3    # choose and override
    l2l -m seed=1,2,3 strategy=cma        # a sweep: one run directory per job
    l2l resume=runs/2026-11-29/12-00-00-123456   # continue a run from its checkpoint
    l2l report runs/multirun/2026-11-29/12-30-00-654321   # figures and summary.md
    l2l replay runs/2026-11-29/12-00-00-123456 seed=7     # rerun the best genome, record, plot
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import hydra
import yaml
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from l2l.config import study_from_dict
from l2l.run import run_study

log = logging.getLogger("l2l")
CONFIG_DIR = str(Path(__file__).resolve().parent.parent / "configs")


def _run_dir(resume, default):
    return default if resume is None else str(resume)


def _hydra_subdir(resume):
    # a resumed run keeps its original .hydra/ (the overrides that made it)
    return ".hydra" if resume is None else ".hydra-resume"


for _name, _fn in (("l2l_run_dir", _run_dir), ("l2l_hydra_subdir", _hydra_subdir)):
    if not OmegaConf.has_resolver(_name):
        OmegaConf.register_new_resolver(_name, _fn)


def _plain(cfg: DictConfig) -> dict:
    return OmegaConf.to_container(cfg, resolve=True, throw_on_missing=True)


def _resume_config(run_dir: Path) -> dict:
    """The config to resume with: the run's own, plus any overrides given now."""
    if not (run_dir / "config.yaml").exists():
        raise ValueError(f"resume={run_dir}: no config.yaml there; is it an l2l run directory?")
    stored = yaml.safe_load((run_dir / "config.yaml").read_text())
    new = [o for o in HydraConfig.get().overrides.task if not o.startswith("resume=")]
    if not new:
        return {**stored, "resume": str(run_dir)}
    orig_file = run_dir / ".hydra" / "overrides.yaml"
    orig = yaml.safe_load(orig_file.read_text()) if orig_file.exists() else []
    composed = hydra.compose(config_name="config", overrides=[*orig, *new])
    return {**_plain(composed), "resume": str(run_dir)}


@hydra.main(version_base="1.3", config_path=CONFIG_DIR, config_name="config")
def _app(cfg: DictConfig) -> None:
    plain = _plain(cfg)
    try:
        if plain.get("resume"):
            run_dir = Path(plain["resume"])
            spec = study_from_dict(_resume_config(run_dir))
            run_study(spec, run_dir, resume=True)
        else:
            spec = study_from_dict(plain)
            run_study(spec, HydraConfig.get().runtime.output_dir)
    except (ValueError, FileExistsError, FileNotFoundError) as exc:
        log.error("%s", exc)
        sys.exit(2)


def _report(argv: list[str]) -> None:
    import argparse

    from l2l.report import report

    ap = argparse.ArgumentParser(prog="l2l report", description="Figures and a summary for a run or sweep.")
    ap.add_argument("path", help="a run directory, a sweep directory or a glob of runs")
    out = report(ap.parse_args(argv).path)
    print(f"report written to {out}")


def _replay(argv: list[str]) -> None:
    """l2l replay RUN [seed=N | held_out=K] [out=DIR] [neurons=0,1] (key=value like the study overrides)."""
    import argparse

    from l2l.replay import ReplayError, replay

    ap = argparse.ArgumentParser(
        prog="l2l replay",
        description="Rerun one evaluation of a run's best genome, record it and plot it.",
        epilog="seed=N: the evaluation seed (default: the best genome's first training seed); "
        "held_out=K: the run's K-th held-out seed; out=DIR: where to write (default: RUN/replay/seed_N); "
        "neurons=I,J,...: the neurons whose membrane to trace (default: the task's choice)",
    )
    ap.add_argument("run", help="a run directory")
    ap.add_argument("options", nargs="*", metavar="seed=N|held_out=K|out=DIR|neurons=I,J")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--held-out", dest="held_out", type=int, default=None)
    ap.add_argument("--out", default=None)
    args = ap.parse_args(argv)
    args.neurons = None
    for opt in args.options:
        key, sep, value = opt.partition("=")
        if not sep or key not in ("seed", "held_out", "out", "neurons"):
            ap.error(f"unknown option {opt!r}; allowed: seed=N, held_out=K, out=DIR, neurons=I,J,...")
        if key == "neurons":
            try:
                args.neurons = tuple(int(n) for n in value.strip("[]").split(",") if n.strip())
            except ValueError:
                ap.error(f"neurons must be integers separated by commas, got {value!r}")
        elif key in ("seed", "held_out"):
            try:
                setattr(args, key, int(value))
            except ValueError:
                ap.error(f"{key} must be an integer, got {value!r}")
        else:
            args.out = value
    if args.seed is not None and not 0 <= args.seed < 2**63:
        ap.error(f"seed must be an integer in [0, 2**63), got {args.seed}")
    try:
        out = replay(args.run, seed=args.seed, out=args.out, held_out=args.held_out, neurons=args.neurons)
    except (ReplayError, FileNotFoundError) as exc:
        print(f"l2l replay: {exc}", file=sys.stderr)
        sys.exit(2)
    print(f"replay written to {out}")


def main() -> None:
    # subcommands first; everything else is a Hydra study invocation
    if len(sys.argv) > 1 and sys.argv[1] == "report":
        _report(sys.argv[2:])
        return
    if len(sys.argv) > 1 and sys.argv[1] == "replay":
        _replay(sys.argv[2:])
        return
    _app()


if __name__ == "__main__":
    main()
