"""Yin-Yang training hyperparameters as named, bounded genes, and their fitness.

Wunderlich, T. C. & Pehle, C. (2021). Event-based backpropagation can compute exact
gradients for spiking neural networks. Scientific Reports 11, 12829.

The building block of an outer-loop task (issue 8, item 7): a genome of training
hyperparameters (learning rate and its decay, initial weight scale, regulariser
strengths, time-constant ratio, repair bump) is turned into a training configuration,
trained for a small budget of epochs on the ideal model or on the emulated chip, and
scored by its validation accuracy. No outer-loop code lives here (imports point
chip_emulator <- plasticity_rules <- l2l); an ``l2l`` task wraps ``yinyang_fitness``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from plasticity_rules.eventprop.train_yinyang import TrainConfig, train
from plasticity_rules.genes import GeneSpec

__all__ = ["HyperGene", "YINYANG_GENES", "config_from_genes", "yinyang_fitness"]

_DEFAULT = TrainConfig()


def _quiet(message: str) -> None:
    """A log sink that drops the training log (module-level: picklable)."""


HyperGene = GeneSpec  # the recipe's genes are ordinary gene specs

YINYANG_GENES: tuple[HyperGene, ...] = (
    HyperGene("lr", 1e-4, 2e-2, 5e-3, log_scale=True),
    HyperGene("lr_decay", 0.8, 1.0, 0.95),
    HyperGene("weight_scale", 0.25, 4.0, 1.0, log_scale=True),  # x initial means and stds
    HyperGene("alpha", 0.0, 1e-2, 3e-3),  # TTFS regulariser strength
    HyperGene("tau0_ms", 0.1, 2.0, 0.5),
    HyperGene("tau1_ms", 1.0, 20.0, 6.4),
    HyperGene("tau_ratio", 1.5, 8.0, 4.0),  # tau_mem / tau_syn, tau_mem kept at 20 ms
    HyperGene("repair_bump", 0.0, 0.05, 0.01),
)


def config_from_genes(genes: Mapping[str, float], epochs: int, seed: int,
                      base: TrainConfig = _DEFAULT) -> TrainConfig:
    """The training configuration of a genome (missing genes take their defaults)."""
    known = {g.name: g for g in YINYANG_GENES}
    unknown = set(genes) - set(known)
    if unknown:
        raise ValueError(f"unknown genes {sorted(unknown)}; allowed: {sorted(known)}")
    values = {}
    for g in YINYANG_GENES:
        v = float(genes.get(g.name, g.default))
        if not g.lower <= v <= g.upper:
            raise ValueError(f"gene {g.name} = {v} is outside [{g.lower}, {g.upper}]")
        values[g.name] = v
    s = values["weight_scale"]
    return replace(
        base, epochs=epochs, seed=seed, lr=values["lr"], lr_decay=values["lr_decay"],
        w_hidden_mean=base.w_hidden_mean * s, w_hidden_std=base.w_hidden_std * s,
        w_out_mean=base.w_out_mean * s, w_out_std=base.w_out_std * s,
        alpha=values["alpha"], tau0_ms=values["tau0_ms"], tau1_ms=values["tau1_ms"],
        tau_syn_ms=base.tau_mem_ms / values["tau_ratio"], repair_bump=values["repair_bump"])


def yinyang_fitness(genes: Mapping[str, float], epochs: int, seed: int,
                    backend: str = "ideal", base: TrainConfig = _DEFAULT,
                    ) -> tuple[float, dict[str, float]]:
    """(validation accuracy, metrics) after ``epochs`` of training with these genes.

    ``backend="chip"`` trains with the forward pass on the emulated chip
    (``chip_loop.train_chip``, same genes; time constants in hardware microseconds)."""
    cfg = config_from_genes(genes, epochs, seed, base)
    if backend == "ideal":
        result = train(cfg, log=_quiet)
    elif backend == "chip":
        from plasticity_rules.eventprop.chip_loop import ChipLoopConfig, train_chip

        chip_cfg = ChipLoopConfig(
            epochs=epochs, seed=seed, lr=cfg.lr, lr_decay=cfg.lr_decay,
            w_hidden_mean=cfg.w_hidden_mean, w_hidden_std=cfg.w_hidden_std,
            w_out_mean=cfg.w_out_mean, w_out_std=cfg.w_out_std, alpha=cfg.alpha,
            tau0_ms=cfg.tau0_ms, tau1_ms=cfg.tau1_ms, tau_syn_us=cfg.tau_syn_ms,
            tau_mem_us=cfg.tau_mem_ms, repair_bump=cfg.repair_bump, n_train=cfg.n_train,
            n_val=cfg.n_val, n_test=cfg.n_test)
        result = train_chip(chip_cfg, log=_quiet)
        result["val_acc"] = result["history"][-1]["val_acc"]
    else:
        raise ValueError(f"backend = {backend!r}: allowed are 'ideal', 'chip'")
    last = result["history"][-1]
    metrics = {"val_acc": float(result["val_acc"]), "test_acc": float(result["test_acc"]),
               "train_acc": float(last["train_acc"]), "wall_s": float(result["wall_s"])}
    return float(result["val_acc"]), metrics
