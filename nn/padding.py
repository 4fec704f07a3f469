"""The padding layers (ZeroPad, ConstantPad, ReflectionPad, ReplicationPad, CircularPad;
1-d and 2-d), each F.pad of its last dims in one mode."""



from autograd_core.errors import ShapeError
from autograd_core.ops._common import shape_str

from . import functional as F
from .conv import _tuple
from .module import Module

# --- padding layers ---

class _PadNd(Module):
    """F.pad of the last _nd dims by padding (an int for every side, or 2 _nd ints: left,
    right of the last dim first, as F.pad) in _mode."""

    _nd = 1
    _mode = "constant"

    def __init__(self, padding):
        super().__init__()
        self.padding = _tuple(padding, 2 * self._nd, "padding", type(self).__name__)

    def forward(self, input):
        if self._mode != "constant" and input.ndim not in (self._nd + 1, self._nd + 2):
            raise ShapeError(f"{type(self).__name__}: expected a {self._nd + 1}D (unbatched) or "
                             f"{self._nd + 2}D (batched) input, got shape "
                             f"{shape_str(input.shape)}")
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self):
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding, value):
        super().__init__(padding)
        self.value = value

    def forward(self, input):
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dim with value."""


class ConstantPad2d(_ConstantPadNd):
    """Pad the last two dims with value."""

    _nd = 2


class ZeroPad1d(ConstantPad1d):
    """Pad the last dim with zeros."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    extra_repr = _PadNd.extra_repr


class ZeroPad2d(ConstantPad2d):
    """Pad the last two dims with zeros."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    extra_repr = _PadNd.extra_repr


class ReflectionPad1d(_PadNd):
    """Pad the last dim of (N, C, L) or (C, L) with its mirror image (edge excluded)."""

    _mode = "reflect"


class ReflectionPad2d(_PadNd):
    """Pad the last two dims of (N, C, H, W) or (C, H, W) with their mirror image."""

    _nd, _mode = 2, "reflect"


class ReplicationPad1d(_PadNd):
    """Pad the last dim of (N, C, L) or (C, L) by repeating its edge value."""

    _mode = "replicate"


class ReplicationPad2d(_PadNd):
    """Pad the last two dims of (N, C, H, W) or (C, H, W) by repeating the edges."""

    _nd, _mode = 2, "replicate"


class CircularPad1d(_PadNd):
    """Pad the last dim of (N, C, L) or (C, L) by wrapping around."""

    _mode = "circular"


class CircularPad2d(_PadNd):
    """Pad the last two dims of (N, C, H, W) or (C, H, W) by wrapping around."""

    _nd, _mode = 2, "circular"
