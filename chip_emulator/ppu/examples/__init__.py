"""Example PPU programs (built with the program builder)."""
