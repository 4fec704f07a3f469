"""Neural-network layers built from autograd_core primitives (in progress)."""
