"""Transformers: TransformerEncoderLayer, TransformerEncoder, TransformerDecoderLayer,
TransformerDecoder and Transformer, with PyTorch's arguments, parameter names (so their
state_dicts map one to one onto torch's), initialisation and mask conventions; built from
MultiheadAttention, Linear, Dropout and LayerNorm, with no backward of their own."""

import copy

import numpy as np

import autograd_core as ag
from autograd_core.errors import ShapeError
from autograd_core.ops._common import shape_str
from autograd_core.tensor import Tensor

from . import functional as F
from . import init
from .attention import MultiheadAttention, _check_mask_dtype, _check_tensor
from .containers import ModuleList
from .linear import Dropout, Linear
from .module import Module, _check_device
from .norm import LayerNorm

_NEG_INF = float("-inf")

# --- transformer encoder layer ---

def _activation(activation, op="TransformerEncoderLayer"):
    if isinstance(activation, str):
        if activation == "relu":
            return F.relu
        if activation == "gelu":
            return F.gelu
        raise ValueError(f"activation should be relu/gelu, not {activation}")
    if not callable(activation):
        raise TypeError(f"{op}: activation must be 'relu', 'gelu' or a callable, got "
                        f"{type(activation).__name__}")
    return activation


class TransformerEncoderLayer(Module):
    """Self-attention then a feed-forward block (linear1, activation, dropout, linear2),
    each with a residual connection and a LayerNorm, as torch.nn.TransformerEncoderLayer:
    x = norm1(x + sa(x)), x = norm2(x + ff(x)); with norm_first,
    x = x + sa(norm1(x)), x = x + ff(norm2(x)).

    activation is 'relu', 'gelu' or a callable (a Module is registered as a child, as in
    PyTorch). forward(src, src_mask=None, src_key_padding_mask=None, is_causal=False):
    the masks and is_causal go to self_attn (see MultiheadAttention; is_causal needs
    src_mask).

    Shape:
        src (S, N, d_model), (N, S, d_model) with batch_first, or (S, d_model); the output
        has the same shape.
    """

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation=F.relu,
                 layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True,
                 device=None, dtype=None):
        super().__init__()
        _check_device("TransformerEncoderLayer", device)
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, dtype=dtype)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.activation = _activation(activation)

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        op = "TransformerEncoderLayer"
        _check_tensor(op, "src", src)
        # the layer's own check, so that its errors name it: src has the parameters' dtype
        # (a sublayer left in another dtype raises in that sublayer); float masks follow
        # the self-attention's rule (it is called without weights)
        weight = self.self_attn.in_proj_weight  # (d_model is its kdim and vdim: packed)
        if src.dtype != weight.dtype:
            text = (f"mat1 and mat2 must have the same dtype, but got {F._cname(src.dtype)} "
                    f"and {F._cname(weight.dtype)}")
            raise F._dtype_error(op, text, "src", src, "self_attn.in_proj_weight", weight)
        _check_mask_dtype(op, "src_mask", src_mask, src)
        _check_mask_dtype(op, "src_key_padding_mask", src_key_padding_mask, src)
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            x = x + self._ff_block(self.norm2(x))
        else:
            x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
            x = self.norm2(x + self._ff_block(x))
        return x

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           need_weights=False, is_causal=is_causal)[0]
        return self.dropout1(x)

    def _ff_block(self, x):
        x = self.linear2(self.dropout(self.activation(self.linear1(x))))
        return self.dropout2(x)


# --- stacks of layers, and the whole transformer ---

def generate_square_subsequent_mask(sz, device=None, dtype=None):
    """The (sz, sz) causal mask: -inf above the diagonal (position i may not attend to
    j > i), 0 elsewhere; of dtype (the default float dtype when None; for bool, True
    above the diagonal)."""
    _check_device("generate_square_subsequent_mask", device)
    above = np.triu(np.ones((sz, sz), dtype=bool), 1)
    if dtype is not None and ag.dtypes.resolve(dtype) == np.bool_:
        return ag.tensor(above)
    return ag.tensor(np.where(above, _NEG_INF, 0.0), dtype=dtype or ag.get_default_dtype())


def _is_causal_mask(mask, is_causal, size):
    """PyTorch's is_causal detection: a hint given is kept; with none, whether mask is the
    (size, size) causal mask (bool or float)."""
    if is_causal is not None or mask is None:
        return is_causal is True
    data = mask.data if isinstance(mask, Tensor) else np.asarray(mask)
    size = data.shape[-2] if size is None else size
    if data.shape != (size, size):
        return False
    above = np.triu(np.ones((size, size), dtype=bool), 1)
    want = above if data.dtype == np.bool_ else np.where(above, _NEG_INF, 0.0)
    return bool((data == want).all())


def _seq_len(src, batch_first):
    if src.ndim == 2:  # unbatched (S, E)
        return src.shape[0]
    return src.shape[1 if batch_first else 0]


def _batch_first(layer):
    """Whether a (possibly custom) layer takes batch-first inputs, as its self_attn says."""
    return bool(getattr(getattr(layer, "self_attn", None), "batch_first", False))


def _clones(module, n):
    """A ModuleList of n independent deep copies of module (as PyTorch's _get_clones)."""
    return ModuleList([copy.deepcopy(module) for _ in range(n)])


class TransformerEncoder(Module):
    """num_layers copies of encoder_layer (deep copies, each with its own parameters, in
    `layers`: state dict keys layers.0.self_attn.in_proj_weight, ...), run in turn, then
    the optional norm.

    forward(src, mask=None, src_key_padding_mask=None, is_causal=None): mask and the
    padding mask go to every layer; is_causal=None detects whether mask is the causal
    mask, as PyTorch does. enable_nested_tensor and mask_check are accepted and kept but
    change nothing: there are no nested tensors here (PyTorch's inference fast path with
    a padding mask returns zeros at padded positions; this always computes them).
    """

    def __init__(self, encoder_layer, num_layers, norm=None, enable_nested_tensor=True,
                 mask_check=True):
        super().__init__()
        if not isinstance(encoder_layer, Module):
            raise TypeError(f"TransformerEncoder: encoder_layer must be a Module, got "
                            f"{type(encoder_layer).__name__}")
        self.layers = _clones(encoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm
        self.enable_nested_tensor = enable_nested_tensor
        self.use_nested_tensor = False
        self.mask_check = mask_check

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        _check_tensor("TransformerEncoder", "src", src)
        output = src
        if len(self.layers):
            batch_first = _batch_first(self.layers[0])
            is_causal = _is_causal_mask(mask, is_causal, _seq_len(src, batch_first))
        for layer in self.layers:
            output = layer(output, src_mask=mask, src_key_padding_mask=src_key_padding_mask,
                           is_causal=is_causal)
        return output if self.norm is None else self.norm(output)


class TransformerDecoderLayer(Module):
    """Self-attention over the target, attention from the target to the encoder's output
    (memory), then a feed-forward block, each with a residual connection and a LayerNorm,
    as torch.nn.TransformerDecoderLayer: x = norm1(x + sa(x)), x = norm2(x + mha(x, mem)),
    x = norm3(x + ff(x)); with norm_first, x = x + sa(norm1(x)), and so on.

    forward(tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
    memory_key_padding_mask=None, tgt_is_causal=False, memory_is_causal=False).

    Shape:
        tgt (T, N, d_model) and memory (S, N, d_model), batch first with batch_first, or
        unbatched (T, d_model) and (S, d_model); the output has tgt's shape.
    """

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation=F.relu,
                 layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True,
                 device=None, dtype=None):
        super().__init__()
        _check_device("TransformerDecoderLayer", device)
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, dtype=dtype)
        self.multihead_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                                 batch_first=batch_first, dtype=dtype)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm3 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.dropout3 = Dropout(dropout)
        self.activation = _activation(activation, "TransformerDecoderLayer")

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=False, memory_is_causal=False):
        op = "TransformerDecoderLayer"
        _check_tensor(op, "tgt", tgt)
        _check_tensor(op, "memory", memory)
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask,
                                   tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), memory, memory_mask,
                                    memory_key_padding_mask, memory_is_causal)
            x = x + self._ff_block(self.norm3(x))
        else:
            x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask,
                                              tgt_is_causal))
            x = self.norm2(x + self._mha_block(x, memory, memory_mask,
                                               memory_key_padding_mask, memory_is_causal))
            x = self.norm3(x + self._ff_block(x))
        return x

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           need_weights=False, is_causal=is_causal)[0]
        return self.dropout1(x)

    def _mha_block(self, x, mem, attn_mask, key_padding_mask, is_causal):
        x = self.multihead_attn(x, mem, mem, attn_mask=attn_mask,
                                key_padding_mask=key_padding_mask, need_weights=False,
                                is_causal=is_causal)[0]
        return self.dropout2(x)

    def _ff_block(self, x):
        x = self.linear2(self.dropout(self.activation(self.linear1(x))))
        return self.dropout3(x)


class TransformerDecoder(Module):
    """num_layers deep copies of decoder_layer (in `layers`), run in turn on the target
    with the same memory, then the optional norm. tgt_is_causal=None detects whether
    tgt_mask is the causal mask, as PyTorch does."""

    def __init__(self, decoder_layer, num_layers, norm=None):
        super().__init__()
        if not isinstance(decoder_layer, Module):
            raise TypeError(f"TransformerDecoder: decoder_layer must be a Module, got "
                            f"{type(decoder_layer).__name__}")
        self.layers = _clones(decoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=None, memory_is_causal=False):
        _check_tensor("TransformerDecoder", "tgt", tgt)
        output = tgt
        if len(self.layers):
            batch_first = _batch_first(self.layers[0])
            tgt_is_causal = _is_causal_mask(tgt_mask, tgt_is_causal,
                                            _seq_len(tgt, batch_first))
        for layer in self.layers:
            output = layer(output, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                           tgt_key_padding_mask=tgt_key_padding_mask,
                           memory_key_padding_mask=memory_key_padding_mask,
                           tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)
        return output if self.norm is None else self.norm(output)


class Transformer(Module):
    """The encoder-decoder transformer of "Attention Is All You Need", as
    torch.nn.Transformer: encoder = TransformerEncoder(num_encoder_layers layers, final
    LayerNorm), decoder = TransformerDecoder(num_decoder_layers layers, final LayerNorm)
    (or custom_encoder / custom_decoder); every weight matrix (ndim > 1) is initialised
    with xavier_uniform_.

    forward(src, tgt, src_mask=None, tgt_mask=None, memory_mask=None,
    src_key_padding_mask=None, tgt_key_padding_mask=None, memory_key_padding_mask=None,
    src_is_causal=None, tgt_is_causal=None, memory_is_causal=False) -> the decoder's
    output, of tgt's shape.
    """

    def __init__(self, d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6,
                 dim_feedforward=2048, dropout=0.1, activation=F.relu, custom_encoder=None,
                 custom_decoder=None, layer_norm_eps=1e-5, batch_first=False,
                 norm_first=False, bias=True, device=None, dtype=None):
        super().__init__()
        _check_device("Transformer", device)
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            layer = TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout,
                                            activation, layer_norm_eps, batch_first,
                                            norm_first, bias, dtype=dtype)
            norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
            self.encoder = TransformerEncoder(layer, num_encoder_layers, norm)
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            layer = TransformerDecoderLayer(d_model, nhead, dim_feedforward, dropout,
                                            activation, layer_norm_eps, batch_first,
                                            norm_first, bias, dtype=dtype)
            norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
            self.decoder = TransformerDecoder(layer, num_decoder_layers, norm)
        self._reset_parameters()
        self.d_model = d_model
        self.nhead = nhead
        self.batch_first = batch_first

    def _reset_parameters(self):
        for p in self.parameters():
            if p.ndim > 1:
                init.xavier_uniform_(p)

    generate_square_subsequent_mask = staticmethod(generate_square_subsequent_mask)

    def forward(self, src, tgt, src_mask=None, tgt_mask=None, memory_mask=None,
                src_key_padding_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, src_is_causal=None, tgt_is_causal=None,
                memory_is_causal=False):
        _check_tensor("Transformer", "src", src)
        _check_tensor("Transformer", "tgt", tgt)
        batch = 0 if self.batch_first else 1
        if src.ndim == 3 and (tgt.ndim != 3 or src.shape[batch] != tgt.shape[batch]):
            raise ShapeError(f"Transformer: the batch number of src and tgt must be equal "
                             f"(dim {batch}), got src of shape {shape_str(src.shape)} and "
                             f"tgt of shape {shape_str(tgt.shape)}")
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise ShapeError(f"Transformer: the feature number of src and tgt must be equal "
                             f"to d_model={self.d_model}, got src of shape "
                             f"{shape_str(src.shape)} and tgt of shape {shape_str(tgt.shape)}")
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask,
                              is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask,
                            tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)
