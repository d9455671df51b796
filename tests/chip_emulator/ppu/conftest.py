"""Shared fixtures for the PPU tests."""

import pytest

from chip_emulator.ppu.testing import Machine


@pytest.fixture
def machine():
    return Machine()
