"""The command line of the training scripts: every field of a config dataclass is an option.

    python -m plasticity_rules.eventprop.train_yinyang --epochs 100 --seed 0 --out run.json
    python -m plasticity_rules.eventprop.chip_loop --epochs 40 --seed 0 --fixed-signs true
"""

from __future__ import annotations

import argparse
import json
from dataclasses import fields

import numpy as np


def parse_bool(text: str) -> bool:
    value = text.strip().lower()
    if value not in ("true", "false", "1", "0", "yes", "no"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a boolean (true/false)")
    return value in ("true", "1", "yes")


def format_row(row: dict) -> str:
    """One log line of an epoch's figures."""
    return " ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in row.items())


def print_line(text: str) -> None:
    print(text, flush=True)


def main(config_cls, train, description: str, argv: list[str] | None = None) -> dict:
    """Parse `argv` into `config_cls`, run `train(config, log=...)`; with --out, write the history
    and accuracies as JSON and the weights beside it (<out>_weights.npz)."""
    parser = argparse.ArgumentParser(description=description)
    for f in fields(config_cls):
        kind = parse_bool if isinstance(f.default, bool) else type(f.default)
        parser.add_argument(f"--{f.name.replace('_', '-')}", type=kind, default=f.default)
    parser.add_argument("--out", default="", help="write history and test accuracy as JSON")
    args = vars(parser.parse_args(argv))
    out = args.pop("out")
    result = train(config_cls(**args), log=print_line)
    if out:
        weights = result.pop("weights")
        with open(out, "w") as fh:
            json.dump(result, fh, indent=1)
        np.savez(out.rsplit(".", 1)[0] + "_weights.npz", *weights.w_in)
    return result
