"""Optimizers and learning-rate schedulers for autograd_core parameters (in progress)."""
