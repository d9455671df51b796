"""The private numba option ``_nrt`` (chip_emulator/ppu/nrt.py): used when numba has it, left
out with a warning when it does not, so a numba upgrade cannot break the import."""

import importlib
import sys
import warnings

import numpy as np
from numba import njit


def test_flags_compile_with_the_installed_numba():
    from chip_emulator.ppu import nrt

    @njit(**nrt.NRT_OFF)
    def add_one(a):
        for i in range(a.size):
            a[i] += 1

    x = np.zeros(4)
    add_one(x)
    assert (x == 1).all()
    assert nrt.SUPPORTED == ("_nrt" in nrt.NRT_OFF)


def test_a_numba_without_the_option_gives_empty_flags_and_a_warning(monkeypatch):
    import numba.core.cpu as cpu

    class Options:  # a CPUTargetOptions without _nrt
        pass

    monkeypatch.setattr(cpu, "CPUTargetOptions", Options)
    saved = sys.modules.pop("chip_emulator.ppu.nrt")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            mod = importlib.import_module("chip_emulator.ppu.nrt")
        assert not mod.SUPPORTED and mod.NRT_OFF == {} and mod.NRT_ON == {}
        assert any("_nrt" in str(w.message) for w in caught)
    finally:
        sys.modules["chip_emulator.ppu.nrt"] = saved
