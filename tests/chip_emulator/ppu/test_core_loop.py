"""The run loop specialised on ppu_core_fn: same results as the hook called from Python,
loaded from the disk cache by a fresh process, invalidated when a source it inlines
changes."""

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from chip_emulator.chip import make_chip
from chip_emulator.network import Inputs, event_label
from chip_emulator.params import ChipSpec
from chip_emulator.ppu import _cache_guard, make_core_ppu, ppu_core_fn
from chip_emulator.ppu.core_loop import cached_kernel, run_kernel_core_ppu
from chip_emulator.ppu.examples.stdp import stdp_program
from chip_emulator.run import Timer, run
from chip_emulator.state import init_state

ROOT = Path(__file__).resolve().parents[3]


def _setup(B=2, H=2, R=4, N=4):
    spec = ChipSpec(n_hemispheres=H, n_rows=R, n_neurons=N)
    chip = make_chip(spec, seeds=list(range(1, B + 1)))
    st = init_state(chip, list(range(10, 10 + B)), weights=30)
    inp = Inputs(poisson_label=np.tile(event_label(np.arange(R), 0), (H, 1)),
                 poisson_rate_hz=np.full((H, R), 2.0e6))
    ppu = make_core_ppu(stdp_program(n_rows=R, n_halves=1, eta_plus=100, eta_minus=90),
                        B, H, seeds=list(range(B)))
    return chip, st, inp, ppu


def test_lookup():
    assert cached_kernel(ppu_core_fn) is run_kernel_core_ppu
    assert cached_kernel(lambda *a: None) is None


def test_cached_loop_equals_the_hook_called_from_python():
    chip, st, inp, ppu = _setup()
    timer = Timer(5.0, 7.5, 4)
    s1, r1 = run(chip, st, 30.0, inputs=inp, timer=timer, ppu_fn=ppu_core_fn, ppu_ctx=ppu.ctx)
    ppu.check()
    _, _, _, ppu2 = _setup()

    def callback(state, b, h, t_us):
        ppu_core_fn(ppu2.ctx, state.port, b, h, t_us)

    s2, r2 = run(chip, st, 30.0, inputs=inp, timer=timer, callback=callback)
    assert (ppu.ctx.n_events == 4).all()
    assert (s1.weights != st.weights).any()  # the rule did change weights
    np.testing.assert_array_equal(r1.spike_step, r2.spike_step)
    for x, y in zip(s1.port + s1.dyn, s2.port + s2.dyn, strict=True):
        np.testing.assert_array_equal(x, y)
    for x, y in zip(ppu.ctx, ppu2.ctx, strict=True):
        np.testing.assert_array_equal(x, y)


def test_threads_use_the_cached_loop_too():
    chip, st, inp, ppu = _setup()
    timer = Timer(5.0, 7.5, 4)
    s1, _ = run(chip, st, 30.0, inputs=inp, timer=timer, ppu_fn=ppu_core_fn, ppu_ctx=ppu.ctx)
    _, _, _, ppu2 = _setup()
    s2, _ = run(chip, st, 30.0, inputs=inp, timer=timer, ppu_fn=ppu_core_fn, ppu_ctx=ppu2.ctx,
                threads=2)
    np.testing.assert_array_equal(s1.weights, s2.weights)
    np.testing.assert_array_equal(ppu.ctx.cycles, ppu2.ctx.cycles)


@pytest.mark.slow  # two fresh processes; the first compiles the loop (~15 s) when stale
def test_a_fresh_process_loads_the_loop_from_the_disk_cache():
    code = textwrap.dedent("""
        import sys
        sys.path.insert(0, {tests!r})
        from test_core_loop import _setup
        from chip_emulator.ppu import ppu_core_fn
        from chip_emulator.ppu.core_loop import run_kernel_core_ppu
        from chip_emulator.run import Timer, run
        chip, st, inp, ppu = _setup(1, 1)
        run(chip, st, 10.0, timer=Timer(1.0, 1.0, 2), ppu_fn=ppu_core_fn, ppu_ctx=ppu.ctx)
        ppu.check()
        s = run_kernel_core_ppu.stats
        print(sum(s.cache_hits.values()), sum(s.cache_misses.values()))
    """).format(tests=str(Path(__file__).parent))
    # the first process compiles (or loads) and writes the cache, the second must load
    # it; a source edited meanwhile (shared tree) invalidates it: then one more round
    for _ in range(3):
        before = _cache_guard.digest(_cache_guard._package_sources())
        results = []
        for _ in range(2):
            out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                 cwd=ROOT, timeout=900)
            assert out.returncode == 0, out.stderr
            results.append(tuple(int(x) for x in out.stdout.split()[-2:]))
        if before == _cache_guard.digest(_cache_guard._package_sources()):
            break
    assert results[1] == (1, 0), results  # (cache hits, misses) of the second process


def test_guard_watches_every_source_of_the_chip_package():
    watched = {p.relative_to(ROOT / "chip_emulator").as_posix()
               for p in _cache_guard._package_sources()}
    on_disk = {p.relative_to(ROOT / "chip_emulator").as_posix()
               for p in (ROOT / "chip_emulator").rglob("*.py") if "__pycache__" not in p.parts}
    assert watched == on_disk
    for name in ("kernel.py", "ppu_port.py", "run.py", "ppu/core_io.py", "ppu/interpreter.py",
                 "ppu/core_loop.py"):
        assert name in watched
    assert {p.name for p in (ROOT / "chip_emulator").glob("kernel*.py")} <= watched


def test_guard_clears_only_the_group_whose_sources_changed(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    cache.mkdir()
    pkg_src, ppu_src = tmp_path / "kernel_x.py", tmp_path / "interp_x.py"
    pkg_src.write_text("a = 1\n")
    ppu_src.write_text("b = 1\n")
    monkeypatch.setattr(_cache_guard, "_PACKAGE", tmp_path)
    monkeypatch.setattr(_cache_guard, "_cache_dirs", lambda: [cache])
    monkeypatch.setattr(_cache_guard, "_GROUPS", (
        ("core_loop.*", "core_loop_sources.sha256", lambda: [pkg_src, ppu_src]),
        ("*", "ppu_sources.sha256", lambda: [ppu_src]),
    ))
    files = ["core_loop.run-1.py311.nbi", "core_loop.run-1.py311.1.nbc",
             "interpreter.run_program-9.py311.nbi", "interpreter.run_program-9.py311.1.nbc"]

    def populate():
        for f in files:
            (cache / f).write_text("x")

    def present():
        return sorted(p.name for p in cache.glob("*.nb?"))

    _cache_guard.check()  # first records
    populate()
    _cache_guard.check()
    assert present() == sorted(files)  # nothing changed: nothing cleared
    pkg_src.write_text("a = 2\n")  # e.g. kernel*.py: only the core loop is stale
    _cache_guard.check()
    assert present() == sorted(files[2:])
    populate()
    ppu_src.write_text("b = 2\n")  # a PPU source: both groups are stale
    _cache_guard.check()
    assert present() == []
