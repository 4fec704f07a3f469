"""Recurrent layers: RNN, LSTM, GRU and their single-step cells, with PyTorch's arguments,
parameter names, gate orders and initialisation.

Every time step is composed from autograd_core ops. The input projection of all steps is
one matrix product before the loop, and each step does one matrix product for all gates,
so the Python cost per step is a fixed handful of ops, whatever the sizes.
"""

import math
import warnings

import autograd_core as ag
from autograd_core.errors import ShapeError
from autograd_core.ops._common import shape_str
from autograd_core.tensor import Tensor

from . import functional as F
from . import init
from .module import Module, Parameter, _check_device
from .rnn_utils import PackedSequence

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


# --- one step, on the input's projection (the functional cells and the layers share it) ---

def _project(c, h, w_t):
    """c + h W^T: one node (addmm) when h is a batch of states, else two."""
    if h.ndim == 2 and c.ndim <= 2 and c.dtype == h.dtype:
        return ag.addmm(c, h, w_t)
    return c + ag.matmul(h, w_t)


def _rnn_step(xw, h, w_hh_t, b_hh, relu):
    """h' = act(xw + h W_hh^T + b_hh), xw = x W_ih^T + b_ih. h None: a zero state."""
    pre = xw if h is None else _project(xw, h, w_hh_t)
    if b_hh is not None:
        pre = pre + b_hh
    return ag.relu(pre) if relu else ag.tanh(pre)


def _lstm_step(xw, h, c, w_hh_t, b_hh):
    """Gates i, f, g, o (PyTorch's order) = xw + h W_hh^T + b_hh;
    c' = f c + i g, h' = o tanh(c'). h, c None: a zero state."""
    gates = xw if h is None else _project(xw, h, w_hh_t)
    if b_hh is not None:
        gates = gates + b_hh
    n = gates.shape[-1] // 4
    # one sigmoid over all four gates (the g quarter is computed and not used): one op
    # instead of three, which is cheaper than the wasted quarter
    s = ag.sigmoid(gates)
    i, f, o = s[..., :n], s[..., n:2 * n], s[..., 3 * n:]
    g = ag.tanh(gates[..., 2 * n:3 * n])
    c = i * g if c is None else ag.addcmul(f * c, i, g)  # f c + i g
    return o * ag.tanh(c), c


def _gru_step(xw, h, w_hh_t, b_hh):
    """r, z = sigmoid(xw + hw) on the first two thirds, hw = h W_hh^T + b_hh;
    n = tanh(xw_n + r hw_n) (the reset gate acts on the hidden projection, bias included,
    as in PyTorch); h' = (h - n) z + n = (1 - z) n + z h."""
    n3 = xw.shape[-1]
    k = n3 // 3
    if h is None:  # a zero state: hw is just the bias
        hw = b_hh
    else:
        hw = ag.matmul(h, w_hh_t) if b_hh is None else _project(b_hh, h, w_hh_t)
    if hw is None:
        rz = ag.sigmoid(xw[..., :2 * k])
        new = ag.tanh(xw[..., 2 * k:])
    else:
        rz = ag.sigmoid(xw[..., :2 * k] + hw[..., :2 * k])
        new = ag.tanh(xw[..., 2 * k:] + rz[..., :k] * hw[..., 2 * k:])
    z = rz[..., k:]
    return new - new * z if h is None else (h - new) * z + new


# --- functional cells (torch.rnn_tanh_cell, torch.lstm_cell, ... as in torch) ---

def _cell_input(op, input, w_ih, w_hh, b_ih, b_hh):
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: input must be a Tensor, got {type(input).__name__}")
    dtype = input.dtype
    bad = F._mismatch(dtype, (("weight_ih", w_ih), ("weight_hh", w_hh), ("bias_ih", b_ih),
                              ("bias_hh", b_hh)))
    if bad is not None:
        name, p = bad
        text = (f"mat1 and mat2 must have the same dtype, but got {F._cname(dtype)} and "
                f"{F._cname(p.dtype)}")
        raise F._dtype_error(op, text, "input", input, name, p)
    if input.ndim not in (1, 2):
        raise ShapeError(f"{op}: Expected input to be 1D or 2D, got {input.ndim}D instead")
    if input.shape[-1] != w_ih.shape[1]:
        raise ShapeError(f"{op}: input has inconsistent input_size: got {input.shape[-1]}, "
                         f"expected {w_ih.shape[1]} (input of shape {shape_str(input.shape)})")


def _cell_state(op, name, state, input, hidden_size):
    expected = input.shape[:-1] + (hidden_size,)
    if not isinstance(state, Tensor):
        raise TypeError(f"{op}: {name} must be a Tensor, got {type(state).__name__}")
    # h meets W_hh in a product, which PyTorch refuses in another dtype; c only meets
    # elementwise ops, which promote (PyTorch's LSTMCell returns float64 for a float64 c)
    if name != "c" and state.dtype != input.dtype:  # (weights: input's dtype, checked)
        text = (f"mat1 and mat2 must have the same dtype, but got {F._cname(state.dtype)} "
                f"and {F._cname(input.dtype)}")
        raise F._dtype_error(op, text, name, state, "input", input)
    if state.shape != expected:
        raise ShapeError(f"{op}: {name} of shape {shape_str(state.shape)} does not match the "
                         f"input of shape {shape_str(input.shape)}: expected "
                         f"{shape_str(expected)}")


def _rnn_cell(op, relu, input, hx, w_ih, w_hh, b_ih, b_hh):
    _cell_input(op, input, w_ih, w_hh, b_ih, b_hh)
    _cell_state(op, "hx", hx, input, w_hh.shape[1])
    return _rnn_step(F.linear(input, w_ih, b_ih), hx, w_hh.t(), b_hh, relu)


def _lstm_cell(op, input, hx, w_ih, w_hh, b_ih, b_hh):
    _cell_input(op, input, w_ih, w_hh, b_ih, b_hh)
    if not isinstance(hx, (tuple, list)) or len(hx) != 2:
        raise TypeError(f"{op}: hx must be a tuple (h, c)")
    h, c = hx
    _cell_state(op, "h", h, input, w_hh.shape[1])
    _cell_state(op, "c", c, input, w_hh.shape[1])
    return _lstm_step(F.linear(input, w_ih, b_ih), h, c, w_hh.t(), b_hh)


def _gru_cell(op, input, hx, w_ih, w_hh, b_ih, b_hh):
    _cell_input(op, input, w_ih, w_hh, b_ih, b_hh)
    _cell_state(op, "hx", hx, input, w_hh.shape[1])
    return _gru_step(F.linear(input, w_ih, b_ih), hx, w_hh.t(), b_hh)


def rnn_tanh_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One step of an Elman RNN: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)."""
    return _rnn_cell("rnn_tanh_cell", False, input, hx, w_ih, w_hh, b_ih, b_hh)


def rnn_relu_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One step of an Elman RNN with ReLU: h' = relu(x W_ih^T + b_ih + h W_hh^T + b_hh)."""
    return _rnn_cell("rnn_relu_cell", True, input, hx, w_ih, w_hh, b_ih, b_hh)


def lstm_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One LSTM step; hx = (h, c). Returns (h', c')."""
    return _lstm_cell("lstm_cell", input, hx, w_ih, w_hh, b_ih, b_hh)


def gru_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One GRU step (gates r, z, n in PyTorch's order and placement)."""
    return _gru_cell("gru_cell", input, hx, w_ih, w_hh, b_ih, b_hh)


# --- cells ---

def _check_sizes(input_size, hidden_size, num_layers=1):
    if not isinstance(hidden_size, int) or isinstance(hidden_size, bool):
        raise TypeError(f"hidden_size should be of type int, got: {type(hidden_size).__name__}")
    if hidden_size <= 0:
        raise ValueError("hidden_size must be greater than zero")
    if not isinstance(input_size, int) or input_size < 0:
        raise ValueError(f"input_size must be a non-negative int, got {input_size!r}")
    if num_layers <= 0:
        raise ValueError("num_layers must be greater than zero")


def _reset_uniform(module):
    """PyTorch's recurrent init: every weight and bias U(-1/sqrt(hidden), 1/sqrt(hidden))."""
    bound = 1.0 / math.sqrt(module.hidden_size) if module.hidden_size > 0 else 0.0
    for p in module.parameters():
        init.uniform_(p, -bound, bound)


class _CellBase(Module):
    _gates = 1

    def __init__(self, input_size, hidden_size, bias, device, dtype):
        super().__init__()
        _check_device(type(self).__name__, device)
        _check_sizes(input_size, hidden_size)
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        rows = self._gates * hidden_size
        self.weight_ih = Parameter(ag.empty(rows, input_size, dtype=dtype))
        self.weight_hh = Parameter(ag.empty(rows, hidden_size, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(ag.empty(rows, dtype=dtype))
            self.bias_hh = Parameter(ag.empty(rows, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self):
        _reset_uniform(self)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            s += ", bias=False"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def _zeros(self, input):
        return ag.zeros(*input.shape[:-1], self.hidden_size, dtype=input.dtype)


class RNNCell(_CellBase):
    """h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu). Input (N, input_size) or
    (input_size,); hx of the matching (N, hidden_size) shape, zeros when omitted."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None,
                 dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity: {nonlinearity}. Select from 'tanh' or "
                             "'relu'.")
        self.__dict__["nonlinearity"] = nonlinearity
        super().__init__(input_size, hidden_size, bias, device, dtype)

    def forward(self, input, hx=None):
        return _rnn_cell("RNNCell", self.nonlinearity == "relu", input,
                         self._zeros(input) if hx is None else hx, self.weight_ih,
                         self.weight_hh, self.bias_ih, self.bias_hh)


class LSTMCell(_CellBase):
    """One LSTM step: returns (h', c'). hx = (h, c), zeros when omitted."""

    _gates = 4

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, device, dtype)

    def forward(self, input, hx=None):
        if hx is None:
            zeros = self._zeros(input)
            hx = (zeros, zeros)
        return _lstm_cell("LSTMCell", input, hx, self.weight_ih, self.weight_hh, self.bias_ih,
                          self.bias_hh)


class GRUCell(_CellBase):
    """One GRU step: returns h'. hx zeros when omitted."""

    _gates = 3

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, device, dtype)

    def forward(self, input, hx=None):
        return _gru_cell("GRUCell", input, self._zeros(input) if hx is None else hx,
                         self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)


# --- multi-layer, optionally bidirectional layers over whole sequences ---

def _no_projection(proj_size):
    # PyTorch's RNN and GRU refuse a proj_size argument, even 0
    if proj_size is not None:
        raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")


class RNNBase(Module):
    """What RNN, LSTM and GRU share: the parameters (PyTorch's names and order:
    weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k}, weight_hr_l{k} (an LSTM's
    projection, with proj_size > 0), then the same with _reverse), the checks, and the loop
    over layers and directions."""

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, proj_size=0,
                 device=None, dtype=None):
        super().__init__()
        _check_device(type(self).__name__, device)
        _check_sizes(input_size, hidden_size, num_layers)
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) \
                or not 0 <= dropout <= 1:
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             "probability of an element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so "
                          "non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}", stacklevel=2)
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable "
                             "projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if proj_size and mode != "LSTM":
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        self.mode = mode
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first = bias, batch_first
        self.dropout, self.bidirectional = float(dropout), bidirectional
        self.proj_size = proj_size
        rows = _GATES[mode] * hidden_size
        out_size = proj_size or hidden_size  # the size of h (c keeps hidden_size)
        directions = 2 if bidirectional else 1
        self._flat_weights_names = []
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else out_size * directions
            for direction in range(directions):
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                shapes = [("weight_ih", (rows, layer_input)), ("weight_hh", (rows, out_size))]
                if bias:
                    shapes += [("bias_ih", (rows,)), ("bias_hh", (rows,))]
                if proj_size:
                    shapes.append(("weight_hr", (proj_size, hidden_size)))
                for name, shape in shapes:
                    setattr(self, name + suffix, Parameter(ag.empty(*shape, dtype=dtype)))
                    self._flat_weights_names.append(name + suffix)
        self.reset_parameters()

    def reset_parameters(self):
        _reset_uniform(self)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s

    # --- checks ---
    def _check_input(self, input):
        name = type(self).__name__
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}: input must be a Tensor, got {type(input).__name__}")
        if input.ndim not in (2, 3):
            raise ShapeError(f"{name}: Expected input to be 2D or 3D, got {input.ndim}D instead "
                             f"(input of shape {shape_str(input.shape)})")
        if input.shape[-1] != self.input_size:
            raise ShapeError(f"{name}: input.size(-1) must be equal to input_size. Expected "
                             f"{self.input_size}, got {input.shape[-1]}")
        weight = self.weight_ih_l0
        if input.dtype != weight.dtype:  # PyTorch's check (a ValueError), on the first weight
            hint = (f", or convert model: model.to(ag.{input.dtype})"
                    if input.dtype.kind == "f" else "")
            raise ValueError(f"{name}: input dtype ({input.dtype}) does not match weight dtype "
                             f"({weight.dtype}). Convert input: input.to(ag.{weight.dtype})"
                             f"{hint}")
        if input.dtype.kind != "f":
            raise TypeError(f"{name}: input must be floating point, got {input.dtype}")

    def _check_state(self, name, state, batch, batched, size):
        directions = 2 if self.bidirectional else 1
        lead = (self.num_layers * directions,)
        expected = lead + ((batch,) if batched else ()) + (size,)
        if not isinstance(state, Tensor):
            raise TypeError(f"{type(self).__name__}: {name} must be a Tensor, got "
                            f"{type(state).__name__}")
        if state.shape != expected:
            what = "batched 3-D" if batched else "unbatched 2-D"
            raise ShapeError(f"{type(self).__name__}: Expected hidden size "
                             f"{shape_str(expected)}, got {list(state.shape)} (for "
                             f"{what} input, {name} must be {what} too)")

    def _initial(self, hx, batch, batched, dtype):
        """The initial states as lists [layer * directions + direction] of (N, H) tensors
        (None for a zero state), one list per state (1 for RNN/GRU, 2 for LSTM)."""
        names = ("h_0", "c_0") if self.mode == "LSTM" else ("hx",)
        directions = 2 if self.bidirectional else 1
        n = self.num_layers * directions
        if hx is None:
            return [[None] * n for _ in names]
        if self.mode == "LSTM":
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise TypeError("LSTM: hx must be a tuple (h_0, c_0)")
            states = list(hx)
        else:
            states = [hx]
        out = []
        sizes = (self.proj_size or self.hidden_size, self.hidden_size)  # h, then c
        for name, state, size in zip(names, states, sizes):
            self._check_state(name, state, batch, batched, size)
            if state.dtype != dtype:
                raise RuntimeError(f"{type(self).__name__}: input and {name} must have the "
                                   f"same dtype, got {dtype} and {state.dtype}")
            s = state if batched else state.unsqueeze(1)
            out.append([s[k] for k in range(n)])
        return out

    # --- the loop ---
    def _weights(self, layer, direction):
        """w_ih, w_hh, b_ih, b_hh, w_hr of one layer and direction (None when absent)."""
        suffix = f"_l{layer}" + ("_reverse" if direction else "")
        w_ih, w_hh = getattr(self, "weight_ih" + suffix), getattr(self, "weight_hh" + suffix)
        w_hr = getattr(self, "weight_hr" + suffix) if self.proj_size else None
        if self.bias:
            return (w_ih, w_hh, getattr(self, "bias_ih" + suffix),
                    getattr(self, "bias_hh" + suffix), w_hr)
        return w_ih, w_hh, None, None, w_hr

    def _projections(self, x2d, layer, direction, steps):
        """For one layer and direction: the input projection of every step at once (one
        matrix product of x2d (rows, I)), W_hh^T, the b_hh each step still adds (None when
        folded into the projection) and W_hr^T (None without proj_size)."""
        w_ih, w_hh, b_ih, b_hh, w_hr = self._weights(layer, direction)
        if self.mode != "GRU" and b_ih is not None:
            # both biases go in here, once (GRU keeps b_hh with h: r multiplies it)
            xw = F.linear(x2d, w_ih, b_ih + b_hh)
            b_hh = None
        else:
            xw = F.linear(x2d, w_ih, b_ih)
        # W_hh^T copied once, contiguous: every step's h W_hh^T and its backward g W_hh
        # then read contiguous memory (a transposed view makes BLAS ~30% slower here)
        w_hh_t = w_hh.t().contiguous() if steps > 1 else w_hh.t()
        # an LSTM with proj_size: h = (o tanh(c)) W_hr^T, W_hr^T contiguous as W_hh^T is
        w_hr_t = None
        if w_hr is not None:
            w_hr_t = w_hr.t().contiguous() if steps > 1 else w_hr.t()
        return xw, w_hh_t, b_hh, w_hr_t

    def _direction(self, x, layer, direction, h, c):
        """Run one layer in one direction over x (T, N, I) time-major or (N, T, I)
        batch-first, from the states h, c (None: zeros); returns the outputs per step (in
        time order) and the final states."""
        tdim = 1 if self.batch_first else 0
        steps = x.shape[tdim]
        mode = self.mode
        xw, w_hh_t, b_hh, w_hr_t = self._projections(x.reshape(-1, x.shape[-1]), layer,
                                                     direction, steps)
        xw = xw.reshape(x.shape[0], x.shape[1], xw.shape[-1])
        if h is None and steps == 1:
            # a zero state skips h W_hh^T, but W_hh must still get its (zero) gradient
            h = ag.zeros(x.shape[1 - tdim], w_hh_t.shape[0], dtype=x.dtype)
            if mode == "LSTM":
                c = h if w_hr_t is None else ag.zeros(h.shape[0], self.hidden_size,
                                                      dtype=x.dtype)
        outputs = [None] * steps
        order = range(steps - 1, -1, -1) if direction else range(steps)
        for t in order:
            xw_t = xw[:, t] if tdim else xw[t]
            if mode == "LSTM":
                h, c = _lstm_step(xw_t, h, c, w_hh_t, b_hh)
                if w_hr_t is not None:
                    h = ag.matmul(h, w_hr_t)
            elif mode == "GRU":
                h = _gru_step(xw_t, h, w_hh_t, b_hh)
            else:
                h = _rnn_step(xw_t, h, w_hh_t, b_hh, relu=mode == "RNN_RELU")
            outputs[t] = h
        return outputs, h, c

    def _run(self, input, hx):
        if isinstance(input, PackedSequence):
            return self._run_packed(input, hx)
        self._check_input(input)
        batched = input.ndim == 3
        tdim, bdim = (1, 0) if self.batch_first else (0, 1)
        x = input if batched else input.unsqueeze(bdim)
        batch, steps = x.shape[bdim], x.shape[tdim]
        states = self._initial(hx, batch, batched, input.dtype)
        hs, cs = states[0], states[1] if self.mode == "LSTM" else [None] * len(states[0])
        if steps == 0:
            raise ValueError(f"{type(self).__name__}: the input sequence is empty (input of "
                             f"shape {shape_str(input.shape)})")
        directions = 2 if self.bidirectional else 1
        h_n, c_n = [], []
        for layer in range(self.num_layers):
            per_direction = []
            for direction in range(directions):
                k = layer * directions + direction
                outputs, h, c = self._direction(x, layer, direction, hs[k], cs[k])
                per_direction.append(ag.stack(outputs, dim=tdim))
                h_n.append(h)
                c_n.append(c)
            x = per_direction[0] if directions == 1 else ag.cat(per_direction, dim=-1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, training=True)
        output = x if batched else x.squeeze(bdim)
        h_n = ag.stack(h_n, dim=0)
        c_n = ag.stack(c_n, dim=0) if self.mode == "LSTM" else None
        if not batched:
            h_n = h_n.squeeze(1)
            c_n = c_n.squeeze(1) if c_n is not None else None
        return output, h_n, c_n


    # --- packed sequences: each sequence runs for its own length ---
    def _step(self, xw_t, h, c, w_hh_t, b_hh, w_hr_t):
        if self.mode == "LSTM":
            h, c = _lstm_step(xw_t, h, c, w_hh_t, b_hh)
            return (h if w_hr_t is None else ag.matmul(h, w_hr_t)), c
        if self.mode == "GRU":
            return _gru_step(xw_t, h, w_hh_t, b_hh), None
        return _rnn_step(xw_t, h, w_hh_t, b_hh, relu=self.mode == "RNN_RELU"), None

    def _direction_packed(self, data, batch_sizes, starts, layer, direction, h, c):
        """One layer in one direction over packed data (rows, I), as PyTorch runs it: step t
        takes the first batch_sizes[t] (sorted) sequences, rows starts[t] onwards of data.
        Forward, a sequence that has ended keeps its state as its final one; in reverse,
        each sequence starts from its initial state at its own last step. h, c: the
        initial states (batch, size) in sorted order. Returns the packed outputs (rows, H)
        and the final states."""
        steps = len(batch_sizes)
        xw, w_hh_t, b_hh, w_hr_t = self._projections(data, layer, direction, steps)
        lstm = self.mode == "LSTM"
        outputs = [None] * steps
        if direction == 0:
            ended_h, ended_c = [], []  # states of the sequences that ended, longest last
            for t in range(steps):
                n = batch_sizes[t]
                if n < h.shape[0]:
                    ended_h.append(h[n:])
                    h = h[:n]
                    if lstm:
                        ended_c.append(c[n:])
                        c = c[:n]
                h, c = self._step(xw[starts[t]:starts[t] + n], h, c, w_hh_t, b_hh, w_hr_t)
                outputs[t] = h
            if ended_h:
                h = ag.cat([h] + ended_h[::-1])
                c = ag.cat([c] + ended_c[::-1]) if lstm else None
        else:
            h_0, c_0 = h, c
            n = batch_sizes[-1]
            h, c = h_0[:n], (c_0[:n] if lstm else None)
            for t in range(steps - 1, -1, -1):
                if batch_sizes[t] > n:  # longer sequences join, from their initial states
                    m, n = n, batch_sizes[t]
                    h = ag.cat([h, h_0[m:n]])
                    if lstm:
                        c = ag.cat([c, c_0[m:n]])
                h, c = self._step(xw[starts[t]:starts[t] + n], h, c, w_hh_t, b_hh, w_hr_t)
                outputs[t] = h
        return ag.cat(outputs) if steps > 1 else outputs[0], h, c

    def _run_packed(self, input, hx):
        """RNN/LSTM/GRU over a PackedSequence: returns a PackedSequence of the outputs and
        the final states taken at each sequence's own last step, both ways. hx and the
        final states are in the original batch order (sorted_indices permutes them), as in
        PyTorch."""
        data, batch_sizes, sorted_indices, unsorted_indices = input
        name = type(self).__name__
        if not isinstance(data, Tensor) or data.ndim != 2:
            got = data.ndim if isinstance(data, Tensor) else type(data).__name__
            raise ShapeError(f"{name}: input must have 2 dimensions, got {got}")
        self._check_input(data)
        sizes = [int(n) for n in batch_sizes.data]
        if not sizes or sum(sizes) != data.shape[0]:
            raise ShapeError(f"{name}: the batch sizes {sizes} do not add up to the "
                             f"{data.shape[0]} rows of the packed data")
        starts = [0]
        for n in sizes[:-1]:
            starts.append(starts[-1] + n)
        batch = sizes[0]
        states = self._initial(hx, batch, True, data.dtype)
        lstm = self.mode == "LSTM"
        out_size = self.proj_size or self.hidden_size
        perm = None if sorted_indices is None else sorted_indices.data
        for size, per_layer in zip((out_size, self.hidden_size), states):
            for i, s in enumerate(per_layer):
                if s is None:
                    per_layer[i] = ag.zeros(batch, size, dtype=data.dtype)
                elif perm is not None:
                    per_layer[i] = s[perm]
        hs, cs = states[0], states[1] if lstm else [None] * len(states[0])
        directions = 2 if self.bidirectional else 1
        x, h_n, c_n = data, [], []
        for layer in range(self.num_layers):
            per_direction = []
            for direction in range(directions):
                k = layer * directions + direction
                out, h, c = self._direction_packed(x, sizes, starts, layer, direction, hs[k],
                                                   cs[k])
                per_direction.append(out)
                h_n.append(h)
                c_n.append(c)
            x = per_direction[0] if directions == 1 else ag.cat(per_direction, dim=-1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, training=True)
        h_n = ag.stack(h_n, dim=0)
        c_n = ag.stack(c_n, dim=0) if lstm else None
        if unsorted_indices is not None:
            back = unsorted_indices.data
            h_n = h_n[:, back]
            c_n = c_n[:, back] if lstm else None
        return PackedSequence(x, batch_sizes, sorted_indices, unsorted_indices), h_n, c_n

class RNN(RNNBase):
    """Elman RNN over a sequence: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)
    (or relu). Returns (output, h_n) as PyTorch does.

    Shape:
        input (L, N, H_in), or (N, L, H_in) with batch_first, or (L, H_in) unbatched;
        hx (num_layers * D, N, H_out) or (num_layers * D, H_out); output (L, N, D * H_out)
        (batch_first: (N, L, D * H_out)); D = 2 when bidirectional, else 1.
    """

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, device=None, dtype=None,
                 *, proj_size=None):
        _no_projection(proj_size)
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or "
                             "'relu'.")
        self.__dict__["nonlinearity"] = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size,
                         hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device=device, dtype=dtype)

    def forward(self, input, hx=None):
        output, h_n, _ = self._run(input, hx)
        return output, h_n


class LSTM(RNNBase):
    """Long short-term memory over a sequence. Per step, gates i, f, g, o (PyTorch's order)
    = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh; c_t = f c_{t-1} + i g; h_t = o tanh(c_t).
    forward(input, (h_0, c_0)) returns (output, (h_n, c_n)); shapes as RNN's.

    With proj_size > 0 (smaller than hidden_size), h_t = (o tanh(c_t)) W_hr^T with
    weight_hr_l{k} (proj_size, hidden_size): h_0, h_n and the output have proj_size
    features (D * proj_size for the output), c_0 and c_n keep hidden_size."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, proj_size, device, dtype)

    def forward(self, input, hx=None):
        output, h_n, c_n = self._run(input, hx)
        return output, (h_n, c_n)


class GRU(RNNBase):
    """Gated recurrent unit over a sequence: r, z = sigmoid(x W_i{r,z}^T + h W_h{r,z}^T + b),
    n = tanh(x W_in^T + b_in + r (h W_hn^T + b_hn)), h' = (1 - z) n + z h. Returns
    (output, h_n); shapes as RNN's."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None, *, proj_size=None):
        _no_projection(proj_size)
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        output, h_n, _ = self._run(input, hx)
        return output, h_n
