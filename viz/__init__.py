"""Computation-graph drawing and training plots for autograd_core (in progress)."""
