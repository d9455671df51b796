"""How a rule or a training recipe names its evolvable parameters, without importing l2l.

Imports point one way (chip_emulator <- plasticity_rules <- l2l), so rules describe their genes
with this small dataclass; `l2l.search_space.SearchSpace.from_specs` turns them into the outer
loop's search space. Names use letters, digits and '_' only (they become table columns
`gene.<name>`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GeneSpec:
    name: str
    lower: float
    upper: float
    default: float  # the published (or hand-tuned) value: where evolution starts
    log_scale: bool = False
