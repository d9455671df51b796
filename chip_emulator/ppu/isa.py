"""Instruction set of the emulated plasticity processor (PPU): opcodes, fields, costs, I/O map.

Sources (facts, not code): the Nux user guide, ``doc/guide/src/fxv.tex`` of
electronicvisions/nux (FXV vector unit), settled against the processor's public RTL as
summarised in ../shared/REFERENCE.md ("The plasticity processor", "Vector instruction
semantics (Nux FXV)"); measured timings from the same section.

Encoding. A program is an ``int32[n_instr, N_FIELDS]`` array; one row per instruction:
``[OP, RT, RA, RB, C, IMM]``.

* Vector ops: RT/RA/RB are vector register numbers 0..31; C is the condition
  (0 always, 1 gt, 2 lt, 3 eq); IMM is the 5-bit shift immediate (0..31) of FXV shifts.
* Scalar ops: RT/RA/RB are scalar (general-purpose) registers 0..31; IMM is a signed
  16-bit immediate (unsigned for ANDI/ORI, 0..31 for the shift immediates).
* Branches: IMM is the absolute target instruction index; C is the branch condition
  (BR_* below), evaluated on the scalar condition register set by CMP/CMPI.
* Each instruction occupies 4 bytes of SRAM (Power ISA instructions are 32 bit), so a
  program's code size is ``4 * n_instr`` bytes; data lives above the code in the same
  16 KiB SRAM.

Cycle costs: measured where REFERENCE.md gives a measurement, otherwise an estimate whose
reason is given beside it (see docs/ppu.md for the discussion).
"""

from __future__ import annotations

import numpy as np

# ---------------------------------------------------------------- machine constants
CLOCK_HZ = 250_000_000  # PPU clock, REFERENCE.md "core ... 250 MHz by default"
SRAM_BYTES = 16 * 1024  # REFERENCE.md "memory 16 KiB SRAM for code and data"
INSTR_BYTES = 4  # Power ISA: every instruction is one 32-bit word
N_VREG = 32  # REFERENCE.md: 32 vector registers
N_LANES = 128  # 1024-bit vectors = 128 x int8 (or 64 x int16)
N_HALF_LANES = 64
N_GPR = 32  # Power ISA general-purpose registers
ACC_LANES = 128  # accumulator: 2048 bit = 128 x int16 (byte view) = 64 x int32

# instruction fields
F_OP, F_RT, F_RA, F_RB, F_C, F_IMM = range(6)
N_FIELDS = 6

# vector condition field C (REFERENCE.md: 0 always, 1 gt, 2 lt, 3 eq)
C_ALWAYS, C_GT, C_LT, C_EQ = 0, 1, 2, 3
COND_NAMES = ("", "gt", "lt", "eq")
# per-byte-lane condition flags stored in one uint8 per lane
FLAG_GT, FLAG_LT, FLAG_EQ = 1, 2, 4

# scalar branch conditions (field C of BC), evaluated on the scalar compare result
BR_LT, BR_GT, BR_EQ, BR_GE, BR_LE, BR_NE = range(6)
BR_NAMES = ("lt", "gt", "eq", "ge", "le", "ne")

# ---------------------------------------------------------------- opcodes
# Formats (operands shown by the disassembler and checked by the validator):
#   vvv  VRT, VRA, VRB, C        vv   VRT, VRA, C        v    VRA
#   vsh  VRT, VRA, IMM5          vr   VRT, RA            vrr  VRT, RA, RB (+C for I/O)
#   rrr  RT, RA, RB              rri  RT, RA, IMM        ri   RT, IMM
#   rr   RA, RB                  rI   RA, IMM            mem  RT, IMM(RA)
#   b    target                  bc   cond, target       -    no operands
OPS = [
    # name,       format, cycles, note
    ("nop", "-", 1, "no operation"),
    ("halt", "-", 1, "end of program (return to the timer)"),
    # --- vector modulo / fractional-saturating arithmetic (estimate: 2 cycles; the FXV
    # pipeline issues one per cycle, a dependent op waits about one more)
    ("fxvaddbm", "vvv", 2, "byte add modulo 2^8"),
    ("fxvaddhm", "vvv", 2, "halfword add modulo 2^16"),
    ("fxvaddbfs", "vvv", 2, "byte add saturating to [-128, 127]"),
    ("fxvaddhfs", "vvv", 2, "halfword add saturating to [-32768, 32767]"),
    ("fxvsubbm", "vvv", 2, "byte subtract modulo 2^8"),
    ("fxvsubhm", "vvv", 2, "halfword subtract modulo 2^16"),
    ("fxvsubbfs", "vvv", 2, "byte subtract saturating"),
    ("fxvsubhfs", "vvv", 2, "halfword subtract saturating"),
    # multiplies (estimate: 4 cycles, a multi-stage multiplier)
    ("fxvmulbm", "vvv", 4, "byte multiply, low 8 bits of the product"),
    ("fxvmulhm", "vvv", 4, "halfword multiply, low 16 bits of the product"),
    ("fxvmulbfs", "vvv", 4, "byte fractional multiply floor(a*b/2^7), -128*-128 -> 127"),
    ("fxvmulhfs", "vvv", 4, "halfword fractional multiply floor(a*b/2^15), saturating"),
    ("fxvmabm", "vvv", 4, "VRT <- upper 8 bits of (ACC + a*b) mod 2^16; ACC unchanged"),
    ("fxvmahm", "vvv", 4, "VRT <- upper 16 bits of (ACC + a*b) mod 2^32; ACC unchanged"),
    ("fxvmabfs", "vvv", 4, "VRT <- upper 8 bits of sat16(ACC + fract(a*b)); ACC unchanged"),
    ("fxvmahfs", "vvv", 4, "VRT <- upper 16 bits of sat32(ACC + fract(a*b))"),
    ("fxvmatacbm", "vvv", 4, "ACC <- (ACC + a*b) mod 2^16"),
    ("fxvmatachm", "vvv", 4, "ACC <- (ACC + a*b) mod 2^32"),
    ("fxvmatacbfs", "vvv", 4, "ACC <- sat16(ACC + fract(a*b))"),
    ("fxvmatachfs", "vvv", 4, "ACC <- sat32(ACC + fract(a*b))"),
    ("fxvmultacbm", "vvv", 4, "ACC <- a*b mod 2^16"),
    ("fxvmultachm", "vvv", 4, "ACC <- a*b mod 2^32"),
    ("fxvmultacbfs", "vvv", 4, "ACC <- fract(a*b) (2a*b, 16 bit, saturating)"),
    ("fxvmultachfs", "vvv", 4, "ACC <- fract(a*b) (2a*b, 32 bit, saturating)"),
    # accumulator moves and adds (estimate: 2 cycles, like the adds)
    ("fxvmtacb", "vv", 2, "ACC <- sign_extend(a) per byte lane"),
    ("fxvmtach", "vv", 2, "ACC <- sign_extend(a) per halfword lane"),
    ("fxvmtacbf", "vv", 2, "ACC <- a * 2^8 (into the upper half)"),
    ("fxvmtachf", "vv", 2, "ACC <- a * 2^16 (into the upper half)"),
    ("fxvaddactacbm", "vv", 2, "ACC <- (ACC + sign_extend(a)) mod 2^16"),
    ("fxvaddactachm", "vv", 2, "ACC <- (ACC + sign_extend(a)) mod 2^32"),
    ("fxvaddactacbf", "vv", 2, "ACC <- sat16(ACC + sign_extend(a))"),
    ("fxvaddactachf", "vv", 2, "ACC <- sat32(ACC + sign_extend(a))"),
    ("fxvaddacbm", "vv", 2, "VRT <- upper 8 bits of (ACC + sign_extend(a)) mod 2^16"),
    ("fxvaddachm", "vv", 2, "VRT <- upper 16 bits of (ACC + sign_extend(a)) mod 2^32"),
    ("fxvaddacbfs", "vv", 2, "VRT <- upper 8 bits of sat16(ACC + sign_extend(a))"),
    ("fxvaddachfs", "vv", 2, "VRT <- upper 16 bits of sat32(ACC + sign_extend(a))"),
    ("fxvaddtacb", "vvv", 2, "ACC <- sign_extend(a) + sign_extend(b) per byte lane"),
    ("fxvaddtach", "vvv", 2, "ACC <- sign_extend(a) + sign_extend(b) per halfword lane"),
    # compare with zero, select, shift, splat, pack (estimate: 2 cycles)
    ("fxvcmpb", "v", 2, "flags per byte lane: a > 0, a < 0, a == 0"),
    ("fxvcmph", "v", 2, "flags per halfword lane, set on both of its bytes"),
    ("fxvsel", "vvv", 2, "per byte lane: b where the condition holds, else a"),
    ("fxvshb", "vsh", 2, "byte shift: imm 0..15 left, 16..31 logical right by 32-imm"),
    ("fxvshh", "vsh", 2, "halfword shift: imm 0..15 left, 16..31 logical right by 32-imm"),
    ("fxvsplatb", "vr", 2, "low byte of RA into every byte lane"),
    ("fxvsplath", "vr", 2, "low halfword of RA into every halfword lane"),
    ("fxvpckbu", "vvv", 2, "per 128-bit slice: upper bytes of a's 8 then b's 8 halfwords"),
    ("fxvpckbl", "vvv", 2, "per 128-bit slice: lower bytes of a's 8 then b's 8 halfwords"),
    ("fxvupckbl", "vvv", 2, "per slice: halfword j <- (a byte j, b byte j), j < 8"),
    ("fxvupckbr", "vvv", 2, "per slice: halfword j <- (a byte 8+j, b byte 8+j)"),
    # SRAM and parallel I/O (measured: load 49, store 47; I/O see io_cycles below)
    ("fxvlax", "vrr", 49, "VRT <- SRAM[RA + RB .. +127] (RB alone when RA is r0)"),
    ("fxvstax", "vrr", 47, "SRAM[RA + RB .. +127] <- VRT (RB alone when RA is r0)"),
    ("fxvinx", "vrrc", 0, "VRT <- IO(RA + RB), lanes masked by C"),
    ("fxvoutx", "vrrc", 0, "IO(RA + RB) <- VRT, lanes masked by C"),
    # --- scalar side (estimates for a single-issue in-order Power core: ALU 1 cycle,
    # multiply 3, SRAM word access 2, branch 1 not taken / 3 taken (pipeline refill))
    ("li", "ri", 1, "RT <- sign_extend(IMM16)"),
    ("lis", "ri", 1, "RT <- IMM16 << 16"),
    ("addi", "rri", 1, "RT <- RA + IMM16"),
    ("add", "rrr", 1, "RT <- RA + RB (mod 2^32)"),
    ("sub", "rrr", 1, "RT <- RA - RB (mod 2^32)"),
    ("mullw", "rrr", 3, "RT <- low 32 bits of RA * RB"),
    ("and", "rrr", 1, "RT <- RA & RB"),
    ("or", "rrr", 1, "RT <- RA | RB"),
    ("xor", "rrr", 1, "RT <- RA ^ RB"),
    ("andi", "rri", 1, "RT <- RA & IMM (unsigned 16 bit)"),
    ("ori", "rri", 1, "RT <- RA | IMM (unsigned 16 bit)"),
    ("slwi", "rri", 1, "RT <- RA << IMM (0..31)"),
    ("srwi", "rri", 1, "RT <- RA >> IMM logical (0..31)"),
    ("srawi", "rri", 1, "RT <- RA >> IMM arithmetic (0..31)"),
    ("cmp", "rr", 1, "scalar flags <- compare RA with RB (signed)"),
    ("cmpi", "rI", 1, "scalar flags <- compare RA with IMM16 (signed)"),
    ("b", "b", 3, "jump to IMM"),
    ("bc", "bc", 1, "jump to IMM if the scalar flags satisfy C (3 cycles when taken)"),
    ("lwz", "mem", 2, "RT <- SRAM word (big-endian) at RA + IMM16"),
    ("stw", "mem", 2, "SRAM word at RA + IMM16 <- RT"),
    ("lbz", "mem", 2, "RT <- SRAM byte at RA + IMM16 (zero extended)"),
    ("stb", "mem", 2, "SRAM byte at RA + IMM16 <- low byte of RT"),
]

OP_NAMES = tuple(o[0] for o in OPS)
OP_FORMATS = tuple(o[1] for o in OPS)
OP_INDEX = {name: i for i, name in enumerate(OP_NAMES)}
N_OPS = len(OPS)
OP_CYCLES = np.array([o[2] for o in OPS], dtype=np.int64)
BRANCH_TAKEN_CYCLES = 3  # estimate: pipeline refill after a taken branch

(NOP, HALT,
 ADDBM, ADDHM, ADDBFS, ADDHFS, SUBBM, SUBHM, SUBBFS, SUBHFS,
 MULBM, MULHM, MULBFS, MULHFS,
 MABM, MAHM, MABFS, MAHFS, MATACBM, MATACHM, MATACBFS, MATACHFS,
 MULTACBM, MULTACHM, MULTACBFS, MULTACHFS,
 MTACB, MTACH, MTACBF, MTACHF,
 ADDACTACBM, ADDACTACHM, ADDACTACBF, ADDACTACHF,
 ADDACBM, ADDACHM, ADDACBFS, ADDACHFS, ADDTACB, ADDTACH,
 CMPB, CMPH, SEL, SHB, SHH, SPLATB, SPLATH, PCKBU, PCKBL, UPCKBL, UPCKBR,
 LAX, STAX, INX, OUTX,
 LI, LIS, ADDI, ADD, SUB, MULLW, AND, OR, XOR, ANDI, ORI, SLWI, SRWI, SRAWI,
 CMP, CMPI, B, BC, LWZ, STW, LBZ, STB) = range(N_OPS)

# ---------------------------------------------------------------- parallel I/O map
# An I/O address (RA + RB of fxvinx/fxvoutx) is  kind * IO_KIND_STRIDE + row * 2 + half.
# "half" 0 is columns (or neurons) 0..127, half 1 is 128..255 of the processor's own
# hemisphere. Per-neuron locations use row 0.
IO_KIND_STRIDE = 512
IO_WEIGHTS = 0  # rw, 6-bit weights (stored as byte & 0x3f), REFERENCE.md "row access"
IO_LABELS = 1  # rw, 6-bit address labels
IO_CAUSAL = 2  # r, 8-bit CADC reading of the causal correlation (falls as it grows)
IO_ACAUSAL = 3  # r, 8-bit CADC reading of the anti-causal correlation
IO_CORR_RESET = 4  # w, reset both correlation stores of the whole row (value, mask ignored)
IO_RATES = 5  # r, 8-bit rate counters (not cleared)
IO_RATES_CLEAR = 6  # r, 8-bit rate counters, cleared by the read
IO_MEMBRANE = 7  # r, 8-bit CADC membrane reading per neuron
IO_RNG = 8  # r, 8-bit output of the column LFSRs (each read advances them)
IO_NEURON_RESET = 9  # w, reset the neurons of enabled lanes whose byte is nonzero
N_IO_KINDS = 10
IO_NAMES = ("weights", "labels", "causal", "acausal", "corr_reset", "rates",
            "rates_clear", "membrane", "rng", "neuron_reset")
IO_READABLE = (True, True, True, True, False, True, True, True, True, False)
IO_WRITABLE = (True, True, False, False, True, False, False, False, False, True)
IO_PER_ROW = (True, True, True, True, True, False, False, False, False, False)

# I/O cycle costs
IO_SYNRAM_CYCLES = 20  # measured: synapse-row weight vector load 20, store 20
CADC_ROW_CYCLES = 410  # measured: CADC row read (conversion of a whole row, ~1.6 us)
# A CADC conversion digitises the whole row (both halves, causal and anti-causal) into
# the readout buffer; further reads of the same row from that buffer cost a plain vector
# transfer (IO_SYNRAM_CYCLES). The membrane readout is one more "row" of the CADC.
IO_CYCLES = np.array([
    IO_SYNRAM_CYCLES,  # weights (measured)
    IO_SYNRAM_CYCLES,  # labels: same synapse-row access path as weights (estimate)
    CADC_ROW_CYCLES,  # causal: first read of a row converts it (measured 410)
    CADC_ROW_CYCLES,  # acausal: shares the row conversion with causal
    IO_SYNRAM_CYCLES,  # corr reset: a row write; the ~0.8 us analog reset runs in the
    #                    background (REFERENCE.md "reset of a row takes about 0.8 us")
    128,  # rates: estimate, 1 cycle per counter over the on-chip bus (no measurement)
    128,  # rates_clear: as rates
    CADC_ROW_CYCLES,  # membrane: a CADC conversion of the neuron row
    IO_SYNRAM_CYCLES,  # rng: a vector transfer from the column generators (estimate)
    IO_SYNRAM_CYCLES,  # neuron reset: a vector write (estimate)
], dtype=np.int64)
CADC_MEMBRANE_ROW = -2  # buffer tag of the membrane conversion

# ---------------------------------------------------------------- error codes
E_OK = 0
E_UNKNOWN_OPCODE = 1
E_BAD_REGISTER = 2
E_BAD_FIELD = 3  # condition, immediate or size field outside its range
E_BAD_BRANCH = 4  # branch target outside the program
E_MEM_RANGE = 5  # SRAM access outside the data region
E_IO_RANGE = 6  # I/O address outside the map or the chip
E_IO_DIRECTION = 7  # read of a write-only or write of a read-only I/O location
E_CYCLE_CAP = 8  # endless loop: cycle cap reached
E_FELL_OFF = 9  # execution ran past the last instruction without HALT
E_OVERSIZE = 10  # code + data exceed the SRAM
E_BUDGET = 11  # an invocation overran its period or cycle budget
E_SHAPE = 12  # program array of the wrong shape
ERROR_TEXT = {
    E_UNKNOWN_OPCODE: "unknown opcode",
    E_BAD_REGISTER: "register number outside 0..31",
    E_BAD_FIELD: "condition, immediate or size field out of range",
    E_BAD_BRANCH: "branch target outside the program",
    E_MEM_RANGE: "SRAM address outside the data region",
    E_IO_RANGE: "I/O address outside the I/O map or this chip's array",
    E_IO_DIRECTION: "I/O location cannot be accessed in this direction",
    E_CYCLE_CAP: "cycle cap reached (endless loop?)",
    E_FELL_OFF: "execution ran past the last instruction without halt",
    E_OVERSIZE: "program code and data exceed the 16 KiB SRAM",
    E_BUDGET: "invocation overran its period / cycle budget",
    E_SHAPE: "program array must be int32 [n_instr, 6]",
}


def io_address(kind: int, row: int = 0, half: int = 0) -> int:
    """I/O address of (kind, row, half) for fxvinx / fxvoutx."""
    return kind * IO_KIND_STRIDE + row * 2 + half
