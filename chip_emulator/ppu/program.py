"""An encoded PPU program: code, data image and the host symbol table.

SRAM layout (16 KiB, REFERENCE.md "memory 16 KiB SRAM for code and data"):
``[0, code_bytes)`` code (4 bytes per instruction), ``[data_base, data_base + data_size)``
data (symbols), the rest free. Programs may only access the data region; a load or store
below ``data_base`` (into the code) is an error, as is any program whose code plus data
exceed 16 KiB. Multi-byte values are big-endian, as on the Power core.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import isa

DTYPES = {"int8": ">i1", "uint8": ">u1", "int16": ">i2", "uint16": ">u2", "int32": ">i4",
          "uint32": ">u4"}


@dataclass(frozen=True)
class Symbol:
    """A named object in PPU memory the host may read or write between runs."""

    name: str
    address: int  # absolute SRAM byte address
    dtype: str  # a key of DTYPES
    count: int  # number of elements

    @property
    def nbytes(self) -> int:
        return np.dtype(DTYPES[self.dtype]).itemsize * self.count


@dataclass(frozen=True)
class Program:
    code: np.ndarray  # int32 [n_instr, isa.N_FIELDS]
    data: np.ndarray  # uint8 [data_size]: initial image of the data region
    data_base: int
    symbols: dict[str, Symbol] = field(default_factory=dict)
    labels: dict[int, str] = field(default_factory=dict)  # instruction index -> name

    @property
    def code_bytes(self) -> int:
        return int(self.code.shape[0]) * isa.INSTR_BYTES

    @property
    def size_bytes(self) -> int:
        """Code plus data, counted against the 16 KiB SRAM."""
        return self.data_base + int(self.data.shape[0])

    def check_size(self) -> None:
        if self.size_bytes > isa.SRAM_BYTES:
            raise ValueError(
                f"program too large: {self.code_bytes} B code + {self.data.shape[0]} B data "
                f"(+{self.data_base - self.code_bytes} B alignment) = {self.size_bytes} B "
                f"> {isa.SRAM_BYTES} B SRAM")

    def sram_image(self) -> np.ndarray:
        """A fresh 16 KiB SRAM with the data region initialised (code area zero)."""
        self.check_size()
        sram = np.zeros(isa.SRAM_BYTES, np.uint8)
        sram[self.data_base:self.data_base + self.data.shape[0]] = self.data
        return sram

    def symbol(self, name: str) -> Symbol:
        try:
            return self.symbols[name]
        except KeyError:
            raise KeyError(f"no symbol {name!r}; the program has {sorted(self.symbols)}")\
                from None


def write_symbol(sram: np.ndarray, program: Program, name: str, value) -> None:
    """Host write of a named input (e.g. a reward) into PPU memory, between runs."""
    s = program.symbol(name)
    arr = np.asarray(value)
    info = np.iinfo(np.dtype(DTYPES[s.dtype]))
    if arr.size != s.count:
        raise ValueError(f"symbol {name!r} holds {s.count} {s.dtype}, got {arr.size} values")
    if np.any(arr < info.min) or np.any(arr > info.max):
        raise ValueError(f"value for {name!r} outside {s.dtype} range [{info.min}, {info.max}]")
    raw = arr.astype(DTYPES[s.dtype]).reshape(-1).view(np.uint8)
    sram[s.address:s.address + s.nbytes] = raw


def read_symbol(sram: np.ndarray, program: Program, name: str) -> np.ndarray:
    """Host read of a named output from PPU memory (native-endian copy)."""
    s = program.symbol(name)
    raw = np.ascontiguousarray(sram[s.address:s.address + s.nbytes])
    return raw.view(DTYPES[s.dtype]).astype(DTYPES[s.dtype][1:])
