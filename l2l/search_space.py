"""Named, bounded genes and the map between a strategy's unit cube and gene values.

Every strategy searches the unit cube [0, 1]^n. A `SearchSpace` maps a point of the cube to
named gene values and back: linearly for ordinary genes, log-uniformly for `log=True` genes
(learning rates, time constants). Step sizes are therefore fractions of each gene's range,
so one `sigma0` suits genes of very different units.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Gene:
    """One evolvable parameter: a name, closed bounds, optional log scale and start value."""

    name: str
    lower: float
    upper: float
    log: bool = False
    init: float | None = None  # start value in gene units; None = middle of the (log) range

    def __post_init__(self) -> None:
        if not self.name or not self.name.replace("_", "").isalnum():
            raise ValueError(f"gene name {self.name!r}: use letters, digits and '_' only")
        lo, hi = float(self.lower), float(self.upper)
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            raise ValueError(
                f"gene {self.name!r}: bounds must be finite with lower < upper, got [{lo}, {hi}]"
            )
        if self.log and lo <= 0:
            raise ValueError(f"gene {self.name!r}: a log-scale gene needs lower > 0, got {lo}")
        if self.init is not None and not lo <= self.init <= hi:
            raise ValueError(f"gene {self.name!r}: init {self.init} lies outside its bounds [{lo}, {hi}]")


@dataclass(frozen=True)
class SearchSpace:
    """An ordered tuple of genes; the order fixes the layout of genome vectors."""

    genes: tuple[Gene, ...]

    def __post_init__(self) -> None:
        if not self.genes:
            raise ValueError("a search space needs at least one gene")
        names = [g.name for g in self.genes]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"duplicate gene names: {dupes}")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(g.name for g in self.genes)

    @property
    def dim(self) -> int:
        return len(self.genes)

    def _bounds(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        log = np.array([g.log for g in self.genes])
        lo = np.array([math.log(g.lower) if g.log else g.lower for g in self.genes])
        hi = np.array([math.log(g.upper) if g.log else g.upper for g in self.genes])
        return lo, hi, log

    def from_unit(self, unit: np.ndarray) -> np.ndarray:
        """Gene values for points of the unit cube (shape (..., dim)); clipped to bounds."""
        unit = np.asarray(unit, dtype=np.float64)
        if unit.shape[-1] != self.dim:
            raise ValueError(f"genome has {unit.shape[-1]} entries, the search space {self.dim}")
        if not np.all(np.isfinite(unit)):
            raise ValueError("genome has NaN or infinite entries; unit-cube coordinates must be finite")
        lo, hi, log = self._bounds()
        x = lo + np.clip(unit, 0.0, 1.0) * (hi - lo)
        x = np.where(log, np.exp(x), x)
        # exp(log(b)) may differ from b in the last bit: clip so values never leave the bounds
        return np.clip(x, [g.lower for g in self.genes], [g.upper for g in self.genes])

    def to_unit(self, values: np.ndarray) -> np.ndarray:
        """Unit-cube coordinates of gene values (shape (..., dim)); values must lie in bounds."""
        values = np.asarray(values, dtype=np.float64)
        if values.shape[-1] != self.dim:
            raise ValueError(f"got {values.shape[-1]} gene values, the search space has {self.dim}")
        for j, g in enumerate(self.genes):
            v = values[..., j]
            if np.any(~np.isfinite(v)) or np.any(v < g.lower) or np.any(v > g.upper):
                raise ValueError(f"gene {g.name!r}: value outside [{g.lower}, {g.upper}]")
        lo, hi, log = self._bounds()
        x = np.where(log, np.log(np.where(log, values, 1.0)), values)
        return (x - lo) / (hi - lo)

    def initial_unit(self) -> np.ndarray:
        """The start point of a search: each gene's `init`, or the middle of its range."""
        mid = np.full(self.dim, 0.5)
        inits = [g.init for g in self.genes]
        given = np.array([v is not None for v in inits])
        if given.any():
            values = np.array(
                [v if v is not None else g.lower for v, g in zip(inits, self.genes, strict=True)]
            )
            mid = np.where(given, self.to_unit(values), mid)
        return mid

    def decode(self, values: np.ndarray) -> dict[str, float]:
        """Named values of one genome's gene vector."""
        values = np.asarray(values, dtype=np.float64)
        if values.shape != (self.dim,):
            raise ValueError(f"expected {self.dim} gene values, got shape {values.shape}")
        return {g.name: float(v) for g, v in zip(self.genes, values, strict=True)}

    def encode(self, named: Mapping[str, float]) -> np.ndarray:
        """Gene vector from named values; every gene must be given, and nothing else."""
        missing = [n for n in self.names if n not in named]
        extra = sorted(set(named) - set(self.names))
        if missing or extra:
            raise ValueError(
                f"named genes do not match the search space: missing {missing}, unknown {extra};"
                f" allowed names: {list(self.names)}"
            )
        values = np.array([float(named[n]) for n in self.names])
        self.to_unit(values)  # bounds check with a message naming the gene
        return values

    @classmethod
    def of(cls, genes: Sequence[Gene]) -> SearchSpace:
        return cls(tuple(genes))

    @classmethod
    def from_specs(cls, specs) -> SearchSpace:
        """From `plasticity_rules.genes.GeneSpec`s (name, bounds, default, log_scale): a rule's genes."""
        return cls(tuple(Gene(s.name, s.lower, s.upper, log=s.log_scale, init=s.default) for s in specs))
