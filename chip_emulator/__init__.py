"""chip_emulator."""
