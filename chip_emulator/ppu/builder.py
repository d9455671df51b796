"""A program builder that reads like the algorithm: named registers, constants, loops.

Example (the weights-only pass: add one to every weight)::

    b = ProgramBuilder()
    one, w = b.vreg("one"), b.vreg("w")
    b.splat(one, 1)
    with b.loop("row", 0, 256) as row:
        for half in (0, 1):
            b.io_in(w, isa.IO_WEIGHTS, row, half)
            b.fxvaddbm(w, w, one)
            b.io_out(w, isa.IO_WEIGHTS, row, half)
    program = b.build()

Every instruction of ``isa.OPS`` is a method of the same name taking its operands in
format order (see ``isa.py``) and ``c=`` for the vector condition. Register 0 (``r0``)
is reserved as the zero base of indexed addresses; r29..r31 are builder scratch.
"""

from __future__ import annotations

import contextlib
import functools
from dataclasses import dataclass

import numpy as np

from . import isa
from .program import DTYPES, Program, Symbol


@dataclass(frozen=True)
class VReg:
    index: int
    name: str


@dataclass(frozen=True)
class Reg:
    index: int
    name: str


@dataclass(frozen=True)
class RowReg(Reg):
    """A scalar register holding 2 * row: the row's offset in the I/O address map."""


@dataclass(frozen=True)
class IOBase(Reg):
    """A scalar register holding the I/O address of (kind, row 0, half) (``io_base``).
    Given as the ``kind`` of ``io_in`` / ``io_out`` with a ``RowReg``, an access is one
    instruction, ``fxvinx v, base, row`` (RA + RB), instead of an address add and the
    access: the constant is loaded once, outside the row loop."""

    kind: int = 0
    half: int = 0


@dataclass(frozen=True)
class Label:
    ident: int
    name: str


R0 = Reg(0, "r0")
_SCRATCH = (Reg(31, "t0"), Reg(30, "t1"), Reg(29, "t2"))
_FIELDS = {  # operand order per format -> instruction fields
    "vvv": ("rt", "ra", "rb"), "vv": ("rt", "ra"), "v": ("ra",), "vsh": ("rt", "ra", "imm"),
    "vr": ("rt", "ra"), "vrr": ("rt", "ra", "rb"), "vrrc": ("rt", "ra", "rb"),
    "rrr": ("rt", "ra", "rb"), "rri": ("rt", "ra", "imm"), "ri": ("rt", "imm"),
    "rr": ("ra", "rb"), "rI": ("ra", "imm"), "mem": ("rt", "ra", "imm"),
    "b": ("imm",), "bc": ("imm",), "-": (),
}


class ProgramBuilder:
    def __init__(self):
        self._code: list[list[int]] = []
        self._fixups: list[tuple[int, object, int]] = []  # (instr, Label|symbol name, add)
        self._labels: dict[int, int] = {}
        self._label_names: dict[int, str] = {}
        self._next_label = 0
        self._vregs: dict[str, VReg] = {}
        self._regs: dict[str, Reg] = {}
        self._free_v = list(range(isa.N_VREG))
        self._free_r = list(range(1, 29))
        self._symbols: list[tuple[str, str, int, np.ndarray]] = []

    # ------------------------------------------------------------- names
    def vreg(self, name: str) -> VReg:
        """A named vector register (32 in all)."""
        if name in self._vregs:
            raise ValueError(f"vector register {name!r} already allocated")
        if not self._free_v:
            raise ValueError(f"out of vector registers allocating {name!r} (32 in use)")
        v = VReg(self._free_v.pop(0), name)
        self._vregs[name] = v
        return v

    def reg(self, name: str) -> Reg:
        """A named scalar register (r1..r28; r0 and r29..r31 are reserved)."""
        if name in self._regs:
            raise ValueError(f"scalar register {name!r} already allocated")
        if not self._free_r:
            raise ValueError(f"out of scalar registers allocating {name!r}")
        r = Reg(self._free_r.pop(0), name)
        self._regs[name] = r
        return r

    def free(self, r: VReg | Reg) -> None:
        if isinstance(r, VReg):
            del self._vregs[r.name]
            self._free_v.insert(0, r.index)
        else:
            del self._regs[r.name]
            self._free_r.insert(0, r.index)

    def symbol(self, name: str, dtype: str = "int32", count: int = 1, init=None) -> str:
        """Reserve a named object in PPU memory (a host input/output or a constant)."""
        if dtype not in DTYPES:
            raise ValueError(f"dtype {dtype!r} not one of {sorted(DTYPES)}")
        if any(s[0] == name for s in self._symbols):
            raise ValueError(f"symbol {name!r} already defined")
        arr = np.zeros(count, DTYPES[dtype]) if init is None else np.asarray(init)
        if arr.size != count:
            raise ValueError(f"init for {name!r} has {arr.size} values, expected {count}")
        self._symbols.append((name, dtype, count, arr.astype(DTYPES[dtype]).reshape(-1)))
        return name

    def vector_constant(self, name: str, values) -> str:
        """A 128-byte vector constant in SRAM (load it with ``load_vector``)."""
        vals = np.asarray(values, dtype=np.int64)
        if vals.size == 1:
            vals = np.full(128, int(vals))
        return self.symbol(name, "int8", 128, init=vals.astype(np.int8))

    # ------------------------------------------------------------- labels and emit
    def label(self, name: str = "") -> Label:
        lab = Label(self._next_label, name or f"L{self._next_label}")
        self._next_label += 1
        return lab

    def place(self, lab: Label) -> None:
        if lab.ident in self._labels:
            raise ValueError(f"label {lab.name} placed twice")
        self._labels[lab.ident] = len(self._code)
        self._label_names[len(self._code)] = lab.name

    def emit(self, name: str, *operands, c: int = 0) -> int:
        """Append one instruction; operands in the order of the op's format."""
        if name not in isa.OP_INDEX:
            raise ValueError(f"unknown instruction {name!r}")
        op = isa.OP_INDEX[name]
        fmt = isa.OP_FORMATS[op]
        names = _FIELDS[fmt]
        if len(operands) != len(names):
            raise TypeError(f"{name} takes {len(names)} operands ({', '.join(names)}), "
                            f"got {len(operands)}")
        row = [op, 0, 0, 0, c, 0]
        for fname, val in zip(names, operands, strict=True):
            pos = {"rt": 1, "ra": 2, "rb": 3, "imm": 5}[fname]
            if isinstance(val, (VReg, Reg)):
                val = val.index
            elif isinstance(val, Label):
                self._fixups.append((len(self._code), val, 0))
                val = 0
            row[pos] = int(val)
        self._code.append(row)
        return len(self._code) - 1

    def __getattr__(self, name):
        if name in isa.OP_INDEX:
            return functools.partial(self.emit, name)
        raise AttributeError(name)

    # ------------------------------------------------------------- helpers
    def li(self, reg: Reg, value: int) -> None:
        """Load any 32-bit constant (li, or lis + ori)."""
        value = int(value)
        if not -(2**31) <= value < 2**32:
            raise ValueError(f"constant {value} does not fit 32 bits")
        if -32768 <= value <= 32767:
            self.emit("li", reg, value)
            return
        v = value & 0xFFFFFFFF
        hi = v >> 16
        self.emit("lis", reg, hi - 65536 if hi >= 32768 else hi)
        if v & 0xFFFF:
            self.emit("ori", reg, reg, v & 0xFFFF)

    def la(self, reg: Reg, symbol: str, offset: int = 0) -> None:
        """Load the SRAM address of a symbol (resolved at build)."""
        self._fixups.append((len(self._code), symbol, offset))
        self.emit("li", reg, 0)

    def splat(self, v: VReg, value: int, halfword: bool = False) -> None:
        """Every byte (or halfword) lane of v <- value."""
        t = _SCRATCH[0]
        self.li(t, value)
        self.emit("fxvsplath" if halfword else "fxvsplatb", v, t)

    def load_vector(self, v: VReg, symbol: str) -> None:
        self.la(_SCRATCH[0], symbol)
        self.emit("fxvlax", v, R0, _SCRATCH[0])

    def store_vector(self, v: VReg, symbol: str) -> None:
        self.la(_SCRATCH[0], symbol)
        self.emit("fxvstax", v, R0, _SCRATCH[0])

    def load_word(self, reg: Reg, symbol: str, index: int = 0) -> None:
        self.la(_SCRATCH[0], symbol, 4 * index)
        self.emit("lwz", reg, _SCRATCH[0], 0)

    def store_word(self, reg: Reg, symbol: str, index: int = 0) -> None:
        self.la(_SCRATCH[0], symbol, 4 * index)
        self.emit("stw", reg, _SCRATCH[0], 0)

    def add_to_word(self, reg: Reg, symbol: str, delta: int | Reg = 1, index: int = 0) -> None:
        """symbol[index] += delta (an immediate or a register; a counter or a sum in SRAM);
        ``reg`` is clobbered."""
        self.load_word(reg, symbol, index)
        if isinstance(delta, Reg):
            self.emit("add", reg, reg, delta)
        else:
            self.emit("addi", reg, reg, delta)
        self.store_word(reg, symbol, index)

    def clamp_scalar(self, reg: Reg, lo: int, hi: int) -> None:
        """reg <- min(max(reg, lo), hi) (signed compare and branch around a load)."""
        ok_hi, ok_lo = self.label("clamp_hi"), self.label("clamp_lo")
        self.emit("cmpi", reg, hi)
        self.emit("bc", ok_hi, c=isa.BR_LE)
        self.li(reg, hi)
        self.place(ok_hi)
        self.emit("cmpi", reg, lo)
        self.emit("bc", ok_lo, c=isa.BR_GE)
        self.li(reg, lo)
        self.place(ok_lo)

    def io_base(self, kind: int, half: int = 0, name: str | None = None) -> IOBase:
        """A register holding the I/O address of (kind, row 0, half), loaded here (call it
        before the row loop); pass it as ``kind`` to ``io_in`` / ``io_out``."""
        if not (0 <= kind < isa.N_IO_KINDS and half in (0, 1)):
            raise ValueError(f"io_base: kind must be in 0..{isa.N_IO_KINDS - 1} and half 0 or 1, "
                             f"got kind={kind}, half={half}")
        r = self.reg(name or f"io_{isa.IO_NAMES[kind]}_{half}")
        base = IOBase(r.index, r.name, kind, half)
        self._regs[r.name] = base
        self.li(base, isa.io_address(kind, 0, half))
        return base

    def _io_operands(self, kind: int | IOBase, row: Reg | int, half: int) -> tuple[Reg, Reg]:
        """(RA, RB) of an I/O access: (base, row register) or (r0, address register)."""
        if isinstance(kind, IOBase):
            if half not in (0, kind.half):
                raise ValueError(f"half={half} conflicts with {kind.name} (half {kind.half})")
            if isinstance(row, RowReg):
                return kind, row
            t = _SCRATCH[1]
            if isinstance(row, Reg):  # t = 2 * row, then base + t
                self.emit("slwi", t, row, 1)
                return kind, t
            self.li(t, 2 * int(row))
            return kind, t
        return R0, self._io_address(kind, row, half)

    def _io_address(self, kind: int, row: Reg | int, half: int) -> Reg:
        t = _SCRATCH[1]
        if isinstance(row, RowReg):  # t = 2 * row + kind * 512 + half
            self.emit("addi", t, row, isa.io_address(kind, 0, half))
        elif isinstance(row, Reg):  # t = row * 2 + kind * 512 + half
            self.emit("slwi", t, row, 1)
            self.emit("addi", t, t, isa.io_address(kind, 0, half))
        else:
            self.li(t, isa.io_address(kind, int(row), half))
        return t

    def io_in(self, v: VReg, kind: int | IOBase, row: Reg | int = 0, half: int = 0,
              c: int = 0):
        """v <- I/O location (kind, row, half), lanes masked by condition c. ``kind`` may
        be an ``io_base`` register (then it also gives the half)."""
        self.emit("fxvinx", v, *self._io_operands(kind, row, half), c=c)

    def io_out(self, v: VReg, kind: int | IOBase, row: Reg | int = 0, half: int = 0,
               c: int = 0):
        """I/O location (kind, row, half) <- v, lanes masked by condition c. ``kind`` may
        be an ``io_base`` register (then it also gives the half)."""
        self.emit("fxvoutx", v, *self._io_operands(kind, row, half), c=c)

    def clamp_bytes(self, v: VReg, lo: VReg, hi: VReg, tmp: VReg) -> None:
        """v <- min(max(v, lo), hi) per byte (no min/max on FXV: subtract, compare, select).

        The differences are formed saturating so that they keep their sign.
        """
        self.emit("fxvsubbfs", tmp, v, lo)  # v - lo
        self.emit("fxvcmpb", tmp)
        self.emit("fxvsel", v, v, lo, c=isa.C_LT)  # v < lo -> lo
        self.emit("fxvsubbfs", tmp, v, hi)  # v - hi
        self.emit("fxvcmpb", tmp)
        self.emit("fxvsel", v, v, hi, c=isa.C_GT)  # v > hi -> hi

    @contextlib.contextmanager
    def loop(self, name: str, start: int, stop: int, step: int = 1):
        """for name in range(start, stop, step): body  (a counted scalar loop)."""
        if step <= 0 or stop <= start:
            raise ValueError("loop needs start < stop and a positive step")
        r = self.reg(name)
        self.li(r, start)
        top = self.label(f"{name}_loop")
        self.place(top)
        yield r
        self.emit("addi", r, r, step)
        self.emit("cmpi", r, stop)
        self.emit("bc", top, c=isa.BR_LT)
        self.free(r)

    @contextlib.contextmanager
    def rows(self, name: str, n_rows: int):
        """for row in range(n_rows): body -- yields a RowReg (2 * row), so each I/O
        access of the row costs one address instruction."""
        r = RowReg(self.reg(name).index, name)
        self.li(r, 0)
        top = self.label(f"{name}_loop")
        self.place(top)
        yield r
        self.emit("addi", r, r, 2)
        self.emit("cmpi", r, 2 * n_rows)
        self.emit("bc", top, c=isa.BR_LT)
        self.free(self._regs[name])

    def halt(self) -> None:
        self.emit("halt")

    # ------------------------------------------------------------- build
    def build(self) -> Program:
        code = [list(r) for r in self._code]
        if not code or code[-1][0] != isa.HALT:
            code.append([isa.HALT, 0, 0, 0, 0, 0])
        code_bytes = len(code) * isa.INSTR_BYTES
        data_base = -(-code_bytes // 16) * 16
        symbols: dict[str, Symbol] = {}
        blobs = []
        addr = data_base
        for name, dtype, count, arr in self._symbols:
            item = np.dtype(DTYPES[dtype]).itemsize
            align = 16 if count * item >= 16 else item
            pad = (-addr) % align
            blobs.append(np.zeros(pad, np.uint8))
            addr += pad
            symbols[name] = Symbol(name, addr, dtype, count)
            blobs.append(arr.view(np.uint8))
            addr += count * item
        data = np.concatenate(blobs) if blobs else np.zeros(0, np.uint8)
        for idx, target, add in self._fixups:
            if isinstance(target, Label):
                if target.ident not in self._labels:
                    raise ValueError(f"label {target.name} used but never placed")
                code[idx][5] = self._labels[target.ident]
            else:
                if target not in symbols:
                    raise ValueError(f"unknown symbol {target!r} at instruction {idx}")
                a = symbols[target].address + add
                if a > 32767:
                    raise ValueError(f"symbol {target!r} address {a} beyond li range")
                code[idx][5] = a
        program = Program(np.array(code, dtype=np.int32).reshape(-1, isa.N_FIELDS),
                          data.astype(np.uint8), data_base, symbols, dict(self._label_names))
        program.check_size()
        return program
