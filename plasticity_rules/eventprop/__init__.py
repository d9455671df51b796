"""EventProp: exact event-based gradients for LIF networks (Wunderlich & Pehle 2021)."""
