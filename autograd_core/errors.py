"""Exceptions shared by the ops (the others live with their modules: GradcheckError,
SerializationError)."""


class ShapeError(RuntimeError, ValueError):
    """A tensor's shape does not fit the op (operands that do not broadcast or align, a
    reshape to the wrong size, a mismatched cat). PyTorch raises RuntimeError here and
    NumPy ValueError; this is both, so code written for either catches it."""
