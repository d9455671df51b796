"""Datasets for the learning tasks (generated from explicit seeds)."""
