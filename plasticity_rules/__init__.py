"""plasticity_rules."""
