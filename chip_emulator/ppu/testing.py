"""A bare machine around the numba interpreter, for tests and exploration.

``Machine`` holds the processor state as plain arrays and runs a few raw instruction
rows (no builder, no validation layer): the quickest way to poke one instruction.
"""

import numpy as np

from . import isa
from .array_io import make_array_io
from .interpreter import STATUS_LEN, run_program


class Machine:
    """Bare machine state around the numba interpreter (no builder involved)."""

    def __init__(self, rows=4, cols=256, seed=0):
        self.sram = np.zeros(isa.SRAM_BYTES, np.uint8)
        self.vr = np.zeros((32, 128), np.int8)
        self.acc = np.zeros(128, np.int16)
        self.vcr = np.zeros(128, np.uint8)
        self.gpr = np.zeros(32, np.int32)
        self.status = np.zeros(STATUS_LEN, np.int64)
        self.io = make_array_io(rows, cols, seed)

    def run(self, rows, data_base=1024, max_cycles=1_000_000):
        code = np.array([list(r) for r in rows] + [[isa.HALT, 0, 0, 0, 0, 0]], np.int32)
        return run_program(code, self.sram, self.vr, self.acc, self.vcr, self.gpr,
                           self.status, self.io, data_base, max_cycles)

    def exec_vector(self, name, rt=0, ra=0, rb=0, c=0, imm=0):
        err = self.run([[isa.OP_INDEX[name], rt, ra, rb, c, imm]])
        assert err == 0, f"{name} failed with error {err}"

    def state(self):
        return {"vr": self.vr.copy(), "acc": self.acc.copy(), "vcr": self.vcr.copy()}
