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
   without a PPU (the first call compiles the run kernel for ppu_core_fn: slow).
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


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--no-in-loop", action="store_true")
    a = ap.parse_args()
    print("load:", os.popen("uptime").read().strip())
    bench_array(a.repeats)
    bench_core(a.repeats, not a.no_in_loop)
    print("load:", os.popen("uptime").read().strip())


if __name__ == "__main__":
    main()
