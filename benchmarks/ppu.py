"""Benchmark of the emulated plasticity processor (not a test).

    python3 benchmarks/ppu.py [--repeats 20] [--no-in-loop]

Prints, with the machine load (``uptime``) first:
1. emulated PPU cycles per wall second and per CPU second, for the full-array STDP
   program and the weights-only pass, on the array-backed I/O (no analog core);
2. the same STDP program on the analog core's port (direct calls of ``ppu_core_fn``
   for both hemispheres of a full chip), and its wall cost relative to one hardware
   millisecond of the analog core running the full-chip workload without a PPU;
3. (unless --no-in-loop) the run of 1 hardware ms with the STDP program fired once per
   hemisphere by the core's timer inside the compiled loop, against the same run
   without a PPU;
4. the fixed cost of one invocation of ``ppu_core_fn`` on a small chip (1 hemisphere,
   4 rows x 4 columns, batch 40, 100 timer events): a one-instruction program and a
   ~100-instruction rule, called from a compiled loop and from the run loop;
5. (unless --no-first-call) the first in-loop run in fresh processes (``python3 -c``):
   imports, set-up and the first ``run(..., ppu_fn=ppu_core_fn)``, which loads the
   loop from the disk cache (chip_emulator/ppu/core_loop.py) or compiles it if stale.
Times are the minimum (and median) over repeats; on a shared machine they are noisy.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np


def _stats(fn, repeats):
    walls, cpus = [], []
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.thread_time()
        fn()
        walls.append(time.perf_counter() - w0)
        cpus.append(time.thread_time() - c0)
    return min(walls), float(np.median(walls)), min(cpus)


def bench_array(repeats):
    from chip_emulator.ppu import make_array_io, new_state, run_once
    from chip_emulator.ppu.examples.stdp import stdp_program, weights_pass_program
    from chip_emulator.ppu.interpreter import run_program

    for name, prog in (("STDP, full array", stdp_program()),
                       ("weights-only pass", weights_pass_program())):
        io = make_array_io(256, 256, seed=0)
        s = new_state(prog)
        cycles = run_once(prog, s, io)  # compile / load the cache, validate
        n_instr = int(s.status[3])
        args = (prog.code, s.sram, s.vr, s.acc, s.vcr, s.gpr, s.status, io,
                prog.data_base, 1 << 30)
        wmin, wmed, cmin = _stats(lambda a=args: run_program(*a), repeats)
        print(f"array I/O, {name}: {cycles} cycles ({cycles / 250:.1f} us PPU time), "
              f"{n_instr} instructions; wall min {wmin * 1e3:.3f} ms (median "
              f"{wmed * 1e3:.3f}), CPU min {cmin * 1e3:.3f} ms; "
              f"{cycles / wmin / 1e6:.0f} M PPU cycles per wall second "
              f"({n_instr / wmin / 1e6:.1f} M instructions/s)")


def full_chip(seed=0):
    from chip_emulator.chip import make_chip
    from chip_emulator.network import Inputs, event_label, make_wiring
    from chip_emulator.params import ChipSpec
    from chip_emulator.state import init_state

    spec = ChipSpec()  # the full-chip workload of benchmarks/emulator.py
    chip = make_chip(spec, seeds=[seed])
    rng = np.random.default_rng(seed)
    w = rng.integers(0, 21, (1, 2, 256, 256))
    w[:, :, 192:] = rng.integers(0, 41, (1, 2, 64, 256))
    state = init_state(chip, [seed + 1], weights=w, labels=0)
    wiring = make_wiring(spec, row_sign=np.where(np.arange(256) < 192, 1, -1))
    inputs = Inputs(poisson_label=np.tile(event_label(np.arange(256), 0), (2, 1)),
                    poisson_rate_hz=np.full((2, 256), 10.0e3))
    return chip, state, wiring, inputs


def bench_core(repeats, in_loop):
    from chip_emulator.ppu import make_core_ppu, ppu_core_fn
    from chip_emulator.ppu.examples.stdp import stdp_program
    from chip_emulator.run import Timer, run

    chip, state, wiring, inputs = full_chip()
    prog = stdp_program()
    ppu = make_core_ppu(prog, 1, 2, seeds=[0])
    run(chip, state, 10.0, wiring, inputs)  # compile / load the cache
    hw_min, hw_med, _ = _stats(lambda: run(chip, state, 1000.0, wiring, inputs),
                               max(3, repeats // 5))
    c0 = time.process_time()  # process CPU time: the core may use helper threads
    for _ in range(3):
        run(chip, state, 1000.0, wiring, inputs)
    hw_cpu = (time.process_time() - c0) / 3
    print(f"analog core, full chip, no PPU: 1 hardware ms in {hw_min * 1e3:.1f} ms wall "
          f"(median {hw_med * 1e3:.1f}), CPU {hw_cpu * 1e3:.1f} ms (mean of 3)")
    st = state.copy()
    ppu_core_fn(ppu.ctx, st.port, 0, 0, 0.0)  # compile / load the cache

    def both():
        ppu_core_fn(ppu.ctx, st.port, 0, 0, 0.0)
        ppu_core_fn(ppu.ctx, st.port, 0, 1, 0.0)

    wmin, wmed, cmin = _stats(both, repeats)
    ppu.check()
    cyc = int(ppu.cycles(0, 0)[-1])
    print(f"analog-core port, STDP full array, both hemispheres: wall min "
          f"{wmin * 1e3:.3f} ms (median {wmed * 1e3:.3f}), CPU min {cmin * 1e3:.3f} ms, "
          f"i.e. {wmin / 2 * 1e3:.3f} ms per processor for {cyc} cycles "
          f"({cyc / 250:.0f} us PPU time); "
          f"{wmin / hw_min:.2f} x the wall of one hardware ms of the analog core")
    if not in_loop:
        return
    t0 = time.perf_counter()
    timer = Timer(1000.0, 1000.0, 1)
    fresh = make_core_ppu(prog, 1, 2, seeds=[0])
    run(chip, state, 1000.0, wiring, inputs, timer=timer, ppu_fn=ppu_core_fn,
        ppu_ctx=fresh.ctx)
    print(f"(in-loop run compiled/loaded in {time.perf_counter() - t0:.1f} s)")
    walls, cpus = [], []
    for _ in range(max(3, repeats // 5)):
        fresh = make_core_ppu(prog, 1, 2, seeds=[0])
        w0, c0 = time.perf_counter(), time.process_time()
        run(chip, state, 1000.0, wiring, inputs, timer=timer, ppu_fn=ppu_core_fn,
            ppu_ctx=fresh.ctx)
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
        fresh.check()
        assert (fresh.ctx.n_events == 1).all()
    print(f"analog core with STDP at t = 1 ms in the compiled loop: 1 hardware ms in "
          f"{min(walls) * 1e3:.1f} ms wall, CPU {min(cpus) * 1e3:.1f} ms (without PPU "
          f"{hw_min * 1e3:.1f} ms wall, CPU {hw_cpu * 1e3:.1f} ms): the PPU adds "
          f"{(min(cpus) - hw_cpu) * 1e3:.2f} ms CPU for both hemispheres")


def small_rule_program(n_pairs: int = 46):
    """A bandit-sized rule of about 100 instructions: read a host symbol, one weight half
    row in, 2 * n_pairs saturating vector ops, the row out, count the invocation."""
    from chip_emulator.ppu import ProgramBuilder, isa

    b = ProgramBuilder()
    b.symbol("reward", "int32", 1, [3])
    b.symbol("invocations", "int32", 1)
    s = b.reg("s")
    r, y, w = b.vreg("r"), b.vreg("y"), b.vreg("w")
    b.load_word(s, "reward")
    b.fxvsplatb(r, s)
    b.io_in(w, isa.IO_WEIGHTS, 0, 0)
    for _ in range(n_pairs):
        b.fxvaddbfs(y, w, r)
        b.fxvsubbfs(w, y, r)
    b.io_out(w, isa.IO_WEIGHTS, 0, 0)
    b.load_word(s, "invocations")
    b.addi(s, s, 1)
    b.store_word(s, "invocations")
    b.halt()
    return b.build()


def _call_many():
    from numba import njit

    from chip_emulator.ppu import ppu_core_fn

    @njit
    def call_many(ctx, port, n):  # every (b, h), n times: the hook without the run loop
        B, H = ctx.sram.shape[0], ctx.sram.shape[1]
        for _ in range(n):
            for b in range(B):
                for h in range(H):
                    ppu_core_fn(ctx, port, b, h, 0.0)

    return call_many


def bench_invocation(repeats):
    from chip_emulator.chip import make_chip
    from chip_emulator.params import ChipSpec
    from chip_emulator.ppu import ProgramBuilder, make_core_ppu, ppu_core_fn
    from chip_emulator.run import Timer, run
    from chip_emulator.state import init_state

    B, H, n_events = 40, 1, 100
    spec = ChipSpec(n_hemispheres=H, n_rows=4, n_neurons=4)
    chip = make_chip(spec, seeds=list(range(B)))
    state = init_state(chip, list(range(100, 100 + B)), weights=10)
    halt = ProgramBuilder()
    halt.halt()
    call_many = _call_many()
    timer, T = Timer(10.0, 20.0, n_events), 20.0 * n_events
    for name, prog in (("1 instruction (halt)", halt.build()),
                       ("bandit-sized rule", small_rule_program())):
        ppu = make_core_ppu(prog, B, H, seeds=list(range(B)))
        st = state.copy()
        call_many(ppu.ctx, st.port, 1)  # compile
        n = 250
        cpus = []
        for _ in range(max(5, repeats)):
            c0 = time.thread_time()  # CPU: a loaded machine deschedules long wall spans
            call_many(ppu.ctx, st.port, n)
            cpus.append(time.thread_time() - c0)
        ppu.check()
        n_instr = int(ppu.ctx.status[0, 0, 3])
        direct = min(cpus) / (n * B * H)
        run(chip, state, T, timer=timer, ppu_fn=ppu_core_fn, ppu_ctx=ppu.ctx)  # load / compile
        run(chip, state, T)
        with_ppu, without = [], []
        for _ in range(max(5, repeats // 2)):
            fresh = make_core_ppu(prog, B, H, seeds=list(range(B)))
            c0 = time.process_time()
            run(chip, state, T, timer=timer, ppu_fn=ppu_core_fn, ppu_ctx=fresh.ctx)
            with_ppu.append(time.process_time() - c0)
            fresh.check()
            assert (fresh.ctx.n_events == n_events).all()
            c0 = time.process_time()
            run(chip, state, T)
            without.append(time.process_time() - c0)
        in_loop = (min(with_ppu) - min(without)) / (B * H * n_events)
        print(f"invocation, {name} ({n_instr} instructions executed), batch {B} x {H} "
              f"hemisphere, 4 x 4 array: {direct * 1e9:.0f} ns CPU per invocation from a "
              f"compiled loop; in the run loop ({n_events} timer events over {T:g} us) "
              f"{in_loop * 1e9:.0f} ns CPU per invocation (run CPU min {min(with_ppu) * 1e3:.1f}"
              f" ms with, {min(without) * 1e3:.1f} ms without the PPU)")


FIRST_CALL = """
import time
t0 = time.perf_counter()
from chip_emulator.chip import make_chip
from chip_emulator.params import ChipSpec
from chip_emulator.state import init_state
from chip_emulator.run import Timer, run
from chip_emulator.ppu import make_core_ppu, ppu_core_fn
from chip_emulator.ppu.examples.stdp import stdp_program
chip = make_chip(ChipSpec(n_hemispheres=1, n_rows=4, n_neurons=4), seeds=[0])
st = init_state(chip, [1], weights=10)
ppu = make_core_ppu(stdp_program(n_rows=4, n_halves=1), 1, 1, seeds=[0])
t1 = time.perf_counter()
run(chip, st, 10.0, timer=Timer(1.0, 1.0, 5), ppu_fn=ppu_core_fn, ppu_ctx=ppu.ctx)
t2 = time.perf_counter()
ppu.check()
print(f"{t1 - t0:.2f} {t2 - t1:.2f} {time.process_time():.2f}")
"""


def bench_first_call(n=2):
    import subprocess
    import sys

    for k in range(n):
        w0 = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", FIRST_CALL], capture_output=True,
                             text=True, check=True)
        total = time.perf_counter() - w0
        setup, first, cpu = (float(x) for x in out.stdout.split())
        print(f"fresh process {k + 1}: imports + set-up {setup:.2f} s, first in-loop run "
              f"{first:.2f} s, whole process {total:.2f} s wall, {cpu:.2f} s CPU")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--no-in-loop", action="store_true")
    ap.add_argument("--no-first-call", action="store_true")
    a = ap.parse_args()
    print("load:", os.popen("uptime").read().strip())
    bench_array(a.repeats)
    bench_core(a.repeats, not a.no_in_loop)
    bench_invocation(a.repeats)
    if not a.no_first_call:
        bench_first_call()
    print("load:", os.popen("uptime").read().strip())


if __name__ == "__main__":
    main()
