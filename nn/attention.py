"""Attention: scaled_dot_product_attention and multi_head_attention_forward (re-exported by
nn.functional) and the MultiheadAttention module, with PyTorch's arguments, parameter
names and mask conventions (the transformer layers built on it are in transformer.py). All
are compositions of autograd_core ops (matmul, softmax, where, reshape, permute, cat); none
has a backward."""

import math
import warnings

import numpy as np

import autograd_core as ag
from autograd_core.errors import ShapeError
from autograd_core.ops._common import shape_str
from autograd_core.tensor import Tensor

from . import functional as F
from . import init
from .linear import Linear
from .module import Module, Parameter, _check_device

_NEG_INF = float("-inf")


# --- argument checks ---

def _check_tensor(op, name, value):
    if not isinstance(value, Tensor):
        raise TypeError(f"{op}: {name} must be a Tensor, got {type(value).__name__}")


def _as_mask(op, name, mask, dtype=None):
    """A mask as a Tensor, checked to be bool or floating (the two kinds PyTorch takes); a
    float NumPy array becomes a tensor of dtype (the query's), as Python numbers would."""
    if isinstance(mask, np.ndarray):
        mask = ag.tensor(mask, dtype=(dtype or ag.float64) if mask.dtype.kind == "f" else None)
    _check_tensor(op, name, mask)
    if mask.data.dtype.kind not in "bf":
        raise TypeError(f"{op}: only bool and floating types of {name} are supported, got "
                        f"dtype {mask.dtype}")
    return mask


def _check_mask_dtype(op, name, mask, query, any_float32=True):
    """A float mask must have the query's dtype: PyTorch takes no other, except float32
    (cast to the query's) where its scaled_dot_product_attention is called (any_float32);
    bool masks and NumPy arrays (converted later) pass."""
    dtype = getattr(mask, "dtype", None)
    if not isinstance(mask, Tensor) or dtype == ag.bool or dtype == query.dtype or \
            (any_float32 and dtype == ag.float32):
        return
    text = (f"Expected {name} dtype to be bool or float or to match query dtype, but got "
            f"{name}.dtype: {F._cname(dtype, True)} and  query.dtype: "
            f"{F._cname(query.dtype, True)} instead.")
    raise F._dtype_error(op, text, "query", query, name, mask)


def _check_same_dtype(op, query, key, value):
    if key.dtype != query.dtype or value.dtype != query.dtype:
        raise RuntimeError(f"{op}: Expected query, key, and value to have the same dtype, but "
                           f"got query.dtype: {query.dtype} key.dtype: {key.dtype} and "
                           f"value.dtype: {value.dtype} instead.")


def _check_mha_dtypes(op, products, query, params):
    """MultiheadAttention's dtypes, as its products would fail in PyTorch (nothing is
    promoted): each input against the weight it is multiplied by (products: (input name,
    input, weight name, weight)), then every other parameter against the query."""
    bad = None
    for name, x, weight_name, w in products:
        if w is not None and x.dtype != w.dtype:
            bad = name, x, weight_name, w
            break
    else:
        extra = F._mismatch(query.dtype, params)
        if extra is not None:
            bad = ("query", query) + extra
    if bad is not None:
        name, x, weight_name, w = bad
        text = (f"mat1 and mat2 must have the same dtype, but got {F._cname(x.dtype)} and "
                f"{F._cname(w.dtype)}")
        raise F._dtype_error(op, text, name, x, weight_name, w)


# --- scaled dot-product attention ---

def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False):
    """softmax(query key^T * scale + mask) value, over the last two dims of
    query (..., L, E), key (..., S, E) and value (..., S, Ev); the leading (batch) dims
    broadcast. Returns (..., L, Ev).

    Args:
        attn_mask: broadcastable to (..., L, S). A bool mask says which positions take
            part (True = attend); a float mask is added to the scores (-inf = masked out).
        dropout_p: dropout on the attention weights, always applied when > 0 (as in
            PyTorch, this function has no training flag); the mask comes from the global
            generator (ag.manual_seed).
        is_causal: attend only to positions j <= i (the lower-triangular (L, S) mask,
            aligned top-left); attn_mask must then be None.
        scale: the factor on the scores; 1 / sqrt(E) by default.
        enable_gqa: grouped-query attention: key and value may have fewer heads (dim -3)
            than query, a divisor of its count; each is repeated to match.

    A row whose scores are all masked out (-inf) gets zero weights, so zero output and
    zero gradient, not NaN: this is what PyTorch does on the CPU, for bool and float masks
    alike (its "safe softmax").
    """
    op = "scaled_dot_product_attention"
    for name, t in (("query", query), ("key", key), ("value", value)):
        _check_tensor(op, name, t)
    if min(query.ndim, key.ndim, value.ndim) < 2:
        raise ShapeError(f"{op}: query, key and value must have at least 2 dims, got shapes "
                         f"{shape_str(query.shape)}, {shape_str(key.shape)} and "
                         f"{shape_str(value.shape)}")
    L, E = query.shape[-2:]
    S = key.shape[-2]
    if key.shape[-1] != E:
        raise ShapeError(f"{op}: key of shape {shape_str(key.shape)} must end in the embedding "
                         f"size {E} of query of shape {shape_str(query.shape)}")
    if value.shape[-2] != S:
        raise ShapeError(f"{op}: value of shape {shape_str(value.shape)} must have the {S} "
                         f"positions (dim -2) of key of shape {shape_str(key.shape)}")
    if not 0.0 <= dropout_p <= 1.0:
        raise ValueError(f"{op}: dropout probability has to be between 0 and 1, but got "
                         f"{dropout_p}")
    _check_same_dtype(op, query, key, value)
    if enable_gqa:
        key, value = _repeat_heads(op, query, key, value)
    try:
        batch = np.broadcast_shapes(query.shape[:-2], key.shape[:-2], value.shape[:-2])
    except ValueError:
        raise ShapeError(f"{op}: the batch dims of query {shape_str(query.shape)}, key "
                         f"{shape_str(key.shape)} and value {shape_str(value.shape)} cannot "
                         "be broadcast together") from None
    if is_causal:
        if attn_mask is not None:
            raise ValueError(f"{op}: attn_mask must be None when is_causal=True (got a mask "
                             f"of shape {shape_str(attn_mask.shape)})")
        attn_mask = ag.tensor(np.tril(np.ones((L, S), dtype=bool)))
    scale = 1.0 / math.sqrt(E) if scale is None else scale
    scores = ag.matmul(query, key.transpose(-2, -1)) * scale
    dead = None
    if attn_mask is not None:
        attn_mask = _as_mask(op, "attn_mask", attn_mask, query.dtype)
        _check_mask_dtype(op, "attn_mask", attn_mask, query)
        shape = tuple(batch) + (L, S)
        try:
            fits = np.broadcast_shapes(attn_mask.shape, shape) == shape
        except ValueError:
            fits = False
        if not fits:
            raise ShapeError(f"{op}: attn_mask of shape {shape_str(attn_mask.shape)} cannot be "
                             f"broadcast to the attention weights' shape {shape_str(shape)}")
        if attn_mask.dtype == ag.bool:
            scores = ag.where(attn_mask, scores, _NEG_INF)
        else:
            scores = scores + (attn_mask if attn_mask.dtype == scores.dtype
                               else attn_mask.to(scores.dtype))
        dead = np.isneginf(scores.data).all(axis=-1, keepdims=True)
        if dead.any():
            # a finite stand-in keeps softmax (and its backward) free of NaN; the rows'
            # weights are zeroed below, so nothing flows back through them
            scores = ag.where(dead, 0.0, scores)
        else:
            dead = None
    weights = ag.softmax(scores, dim=-1)
    if dead is not None:
        weights = ag.where(dead, 0.0, weights)
    if dropout_p > 0.0:
        weights = F.dropout(weights, dropout_p, True)
    return ag.matmul(weights, value)


def _repeat_heads(op, query, key, value):
    """key and value with their heads (dim -3) repeated to query's number of heads."""
    if min(query.ndim, key.ndim, value.ndim) < 3:
        raise ShapeError(f"{op}: enable_gqa needs a heads dim (-3) in query, key and value, "
                         f"got shapes {shape_str(query.shape)}, {shape_str(key.shape)} and "
                         f"{shape_str(value.shape)}")
    hq, hk, hv = query.shape[-3], key.shape[-3], value.shape[-3]
    if hk != hv or hk == 0 or hq % hk:
        raise ValueError(f"{op}: with enable_gqa, key ({hk} heads) and value ({hv} heads) "
                         f"must have the same number of heads (dim -3), a divisor of query's "
                         f"{hq}")
    if hk == hq:
        return key, value
    idx = ag.tensor(np.arange(hq) // (hq // hk))  # head h of query reads head h // group
    return (key[(slice(None),) * (key.ndim - 3) + (idx,)],
            value[(slice(None),) * (value.ndim - 3) + (idx,)])


# --- multi-head attention ---

def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads,
                                 in_proj_weight, in_proj_bias, bias_k, bias_v, add_zero_attn,
                                 dropout_p, out_proj_weight, out_proj_bias, training=True,
                                 key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None,
                                 k_proj_weight=None, v_proj_weight=None, static_k=None,
                                 static_v=None, average_attn_weights=True, is_causal=False):
    """Multi-head attention on sequence-first inputs: query (L, N, E), key (S, N, kdim),
    value (S, N, vdim), or unbatched (L, E), (S, kdim), (S, vdim); the functional form of
    MultiheadAttention (see it for the masks). Returns (output (L, N, E) or (L, E),
    weights or None). static_k and static_v are not supported."""
    return _multi_head_attention(
        "multi_head_attention_forward", query, key, value, embed_dim_to_check, num_heads,
        in_proj_weight, in_proj_bias, bias_k, bias_v, add_zero_attn, dropout_p,
        out_proj_weight, out_proj_bias, training, key_padding_mask, need_weights, attn_mask,
        use_separate_proj_weight, q_proj_weight, k_proj_weight, v_proj_weight, static_k,
        static_v, average_attn_weights, is_causal)


def _check_mha_shapes(op, query, key, value, key_padding_mask, attn_mask, num_heads,
                      batch_first=False):
    """PyTorch's rules for batched (3-d) and unbatched (2-d) inputs and their masks (the
    shapes as the caller gave them, batch first or not)."""
    for name, t in (("query", query), ("key", key), ("value", value)):
        _check_tensor(op, name, t)
    if query.ndim not in (2, 3):
        raise ValueError(f"{op}: query should be unbatched 2D or batched 3D tensor but "
                         f"received {query.ndim}-D query of shape {shape_str(query.shape)}")
    if key.ndim != query.ndim or value.ndim != query.ndim:
        kind = "batched (3-D)" if query.ndim == 3 else "unbatched (2-D)"
        raise ShapeError(f"{op}: for {kind} query of shape {shape_str(query.shape)}, key and "
                         f"value must be {query.ndim}-D, got shapes {shape_str(key.shape)} "
                         f"and {shape_str(value.shape)}")
    if key.shape[:-1] != value.shape[:-1]:
        raise ShapeError(f"{op}: key of shape {shape_str(key.shape)} does not match value of "
                         f"shape {shape_str(value.shape)} (sequence and batch dims)")
    seq, batch = (1, 0) if batch_first and query.ndim == 3 else (0, 1)
    if query.ndim == 3 and key.shape[batch] != query.shape[batch]:
        raise ShapeError(f"{op}: query of shape {shape_str(query.shape)} and key of shape "
                         f"{shape_str(key.shape)} have different batch sizes (dim {batch})")
    L, S = query.shape[seq], key.shape[seq]
    if key_padding_mask is not None:
        want = (query.shape[batch], S) if query.ndim == 3 else (S,)
        if tuple(key_padding_mask.shape) != want:
            raise ShapeError(f"{op}: key_padding_mask of shape "
                             f"{shape_str(key_padding_mask.shape)} should be {shape_str(want)} "
                             f"for key of shape {shape_str(key.shape)}")
    if attn_mask is not None:
        heads = num_heads * (query.shape[batch] if query.ndim == 3 else 1)
        want = {2: (L, S), 3: (heads, L, S)}.get(attn_mask.ndim)
        if want is None:
            raise ShapeError(f"{op}: attn_mask should be 2-D or 3-D, got shape "
                             f"{shape_str(attn_mask.shape)}")
        if tuple(attn_mask.shape) != want:
            raise ShapeError(f"{op}: the shape of the {attn_mask.ndim}D attn_mask is "
                             f"{shape_str(attn_mask.shape)}, but should be {shape_str(want)}")


def _float_mask(mask, dtype):
    """PyTorch's canonical mask: a bool mask (True = masked out) becomes 0 / -inf; a float
    mask is kept (with its graph, so a learned bias trains), in the query's dtype."""
    if mask is None:
        return None
    if mask.dtype == ag.bool:
        return ag.tensor(np.where(mask.data, _NEG_INF, 0.0), dtype=dtype)
    return mask if mask.dtype == dtype else mask.to(dtype)


def _multi_head_attention(op, query, key, value, embed_dim_to_check, num_heads,
                          in_proj_weight, in_proj_bias, bias_k, bias_v, add_zero_attn,
                          dropout_p, out_proj_weight, out_proj_bias, training,
                          key_padding_mask, need_weights, attn_mask,
                          use_separate_proj_weight, q_proj_weight, k_proj_weight,
                          v_proj_weight, static_k, static_v, average_attn_weights, is_causal):
    if static_k is not None or static_v is not None:
        raise NotImplementedError(f"{op}: static_k and static_v are not supported")
    dtype = getattr(query, "dtype", None)
    if key_padding_mask is not None:
        key_padding_mask = _as_mask(op, "key_padding_mask", key_padding_mask, dtype)
    if attn_mask is not None:
        attn_mask = _as_mask(op, "attn_mask", attn_mask, dtype)
    _check_mha_shapes(op, query, key, value, key_padding_mask, attn_mask, num_heads)
    if use_separate_proj_weight:
        products = (("query", query, "q_proj_weight", q_proj_weight),
                    ("key", key, "k_proj_weight", k_proj_weight),
                    ("value", value, "v_proj_weight", v_proj_weight))
    else:
        products = (("query", query, "in_proj_weight", in_proj_weight),
                    ("key", key, "in_proj_weight", in_proj_weight),
                    ("value", value, "in_proj_weight", in_proj_weight))
    _check_mha_dtypes(op, products, query, (("in_proj_bias", in_proj_bias), ("bias_k", bias_k),
                                            ("bias_v", bias_v),
                                            ("out_proj.weight", out_proj_weight),
                                            ("out_proj.bias", out_proj_bias)))
    # PyTorch's path without weights goes through scaled_dot_product_attention, which also
    # takes float32 masks (cast to the query's dtype); the one with weights takes no other
    _check_mask_dtype(op, "attn_mask", attn_mask, query, any_float32=not need_weights)
    _check_mask_dtype(op, "key_padding_mask", key_padding_mask, query,
                      any_float32=not need_weights)
    E = query.shape[-1]
    if E != embed_dim_to_check:
        raise ShapeError(f"{op}: was expecting embedding dimension of {embed_dim_to_check}, "
                         f"but got {E} (query of shape {shape_str(query.shape)})")
    head_dim = E // num_heads
    if head_dim * num_heads != E:
        raise ValueError(f"{op}: embed_dim {E} not divisible by num_heads {num_heads}")
    if (bias_k is None) != (bias_v is None):
        raise ValueError(f"{op}: bias_k and bias_v must be given together")
    if key_padding_mask is not None and attn_mask is not None \
            and key_padding_mask.dtype != attn_mask.dtype:
        warnings.warn("Support for mismatched key_padding_mask and attn_mask is deprecated. "
                      "Use same type for both instead.", UserWarning, stacklevel=3)
    if is_causal and attn_mask is None:
        raise ValueError(f"{op}: Need attn_mask if specifying the is_causal hint. You may use "
                         "the Transformer module method `generate_square_subsequent_mask` to "
                         "create this mask.")
    # is_causal is a hint that attn_mask is causal: PyTorch uses the causal mask itself
    # only when nothing else needs a mask tensor (no padding mask, no weights returned)
    use_causal = is_causal and key_padding_mask is None and not need_weights
    if use_causal:
        attn_mask = None

    batched = query.ndim == 3
    if not batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    L, N, S = query.shape[0], query.shape[1], key.shape[0]
    attn_mask = _float_mask(attn_mask, dtype)
    key_padding_mask = _float_mask(key_padding_mask, dtype)

    # --- input projections ---
    if in_proj_bias is not None:
        b_q, b_k, b_v = ag.chunk(in_proj_bias, 3)
    else:
        b_q = b_k = b_v = None
    if use_separate_proj_weight:
        w_q, w_k, w_v = q_proj_weight, k_proj_weight, v_proj_weight
    else:
        w_q, w_k, w_v = ag.chunk(in_proj_weight, 3)
    for name, x, w in (("key", key, w_k), ("value", value, w_v)):
        if x.shape[-1] != w.shape[-1]:
            raise ShapeError(f"{op}: {name} of shape {shape_str(x.shape)} does not end in the "
                             f"{name[0]}dim={w.shape[-1]} of its projection weight of shape "
                             f"{shape_str(w.shape)}")
    if not use_separate_proj_weight and query is key and key is value:
        # self-attention: one product with the packed weight instead of three
        q, k, v = ag.chunk(F.linear(query, in_proj_weight, in_proj_bias), 3, dim=-1)
    else:
        q, k, v = F.linear(query, w_q, b_q), F.linear(key, w_k, b_k), F.linear(value, w_v, b_v)

    # --- extra key/value positions: padded with 0 (= attend) in the masks ---
    if bias_k is not None:
        k = ag.cat([k, bias_k.reshape(1, 1, E).expand(1, N, E)], dim=0)
        v = ag.cat([v, bias_v.reshape(1, 1, E).expand(1, N, E)], dim=0)
        attn_mask = None if attn_mask is None else ag.pad(attn_mask, (0, 1))
        key_padding_mask = None if key_padding_mask is None else ag.pad(key_padding_mask,
                                                                         (0, 1))
    # (L, N, E) -> (N, heads, L, head_dim)
    q = q.reshape(L, N, num_heads, head_dim).permute(1, 2, 0, 3)
    k = k.reshape(k.shape[0], N, num_heads, head_dim).permute(1, 2, 0, 3)
    v = v.reshape(v.shape[0], N, num_heads, head_dim).permute(1, 2, 0, 3)
    if add_zero_attn:
        k = ag.cat([k, ag.zeros(N, num_heads, 1, head_dim, dtype=k.dtype)], dim=2)
        v = ag.cat([v, ag.zeros(N, num_heads, 1, head_dim, dtype=v.dtype)], dim=2)
        attn_mask = None if attn_mask is None else ag.pad(attn_mask, (0, 1))
        key_padding_mask = None if key_padding_mask is None else ag.pad(key_padding_mask,
                                                                         (0, 1))
    S = k.shape[2]

    # --- one additive mask of shape (N or 1, heads or 1, L, S) ---
    mask = None
    if attn_mask is not None:
        mask = attn_mask if attn_mask.ndim == 2 else attn_mask.reshape(N, num_heads, L, S)
    if key_padding_mask is not None:
        pad = key_padding_mask.reshape(N, 1, 1, S)
        mask = pad if mask is None else mask + pad

    if not training:
        dropout_p = 0.0
    weights = None
    if need_weights:
        scores = ag.matmul(q * math.sqrt(1.0 / head_dim), k.transpose(-2, -1))
        if mask is not None:
            scores = scores + mask
        # a fully masked row gives NaN weights here, as in PyTorch (whose need_weights
        # path uses a plain softmax); no warning for the 0 / 0
        with np.errstate(invalid="ignore"):
            weights = ag.softmax(scores, dim=-1)
        if dropout_p > 0.0:
            weights = F.dropout(weights, dropout_p, True)
        out = ag.matmul(weights, v)
        if average_attn_weights:
            weights = weights.mean(dim=1)
        if not batched:
            weights = weights.squeeze(0)
    else:
        out = scaled_dot_product_attention(q, k, v, mask, dropout_p, use_causal)
    out = F.linear(out.permute(2, 0, 1, 3).reshape(L, N, E), out_proj_weight, out_proj_bias)
    if not batched:
        out = out.squeeze(1)
    return out, weights


class NonDynamicallyQuantizableLinear(Linear):
    """A Linear under PyTorch's name for MultiheadAttention.out_proj (so reprs match)."""


class MultiheadAttention(Module):
    """Attention from query positions to key/value positions in num_heads parallel heads of
    size embed_dim // num_heads, as torch.nn.MultiheadAttention.

    Parameters: in_proj_weight (3 embed_dim, embed_dim) packs the query, key and value
    projections (xavier_uniform_); when kdim or vdim differ from embed_dim they are
    q_proj_weight (E, E), k_proj_weight (E, kdim), v_proj_weight (E, vdim) instead.
    in_proj_bias (3 E,) and out_proj.bias start at zero; out_proj is a Linear(E, E).
    add_bias_kv adds bias_k and bias_v (1, 1, E), one extra key and value position;
    add_zero_attn adds a position of zeros after the heads are split.

    forward(query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
    average_attn_weights=True, is_causal=False) -> (output, weights or None).
    Masks follow PyTorch: a bool True means *masked out* (the opposite of
    scaled_dot_product_attention), a float mask is added to the scores.

    Shape:
        query (L, N, E), key (S, N, kdim), value (S, N, vdim), or (N, L, E) ... with
        batch_first, or unbatched (L, E), (S, kdim), (S, vdim).
        key_padding_mask (N, S) or (S,); attn_mask (L, S) or (N * num_heads, L, S).
        output like query; weights (N, L, S), or (N, num_heads, L, S) without
        average_attn_weights (no N when unbatched).

    A query row with every key masked out gets NaN weights (and output) when need_weights,
    and zero attention when not: PyTorch's behaviour, whose two paths differ likewise.
    """

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False,
                 add_zero_attn=False, kdim=None, vdim=None, batch_first=False, device=None,
                 dtype=None):
        super().__init__()
        _check_device("MultiheadAttention", device)
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"embed_dim and num_heads must be greater than 0, got "
                             f"embed_dim={embed_dim} and num_heads={num_heads} instead")
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != embed_dim:
            raise ValueError(f"embed_dim must be divisible by num_heads (embed_dim={embed_dim}, "
                             f"num_heads={num_heads})")
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(ag.empty(3 * embed_dim, embed_dim, dtype=dtype))
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.q_proj_weight = Parameter(ag.empty(embed_dim, embed_dim, dtype=dtype))
            self.k_proj_weight = Parameter(ag.empty(embed_dim, self.kdim, dtype=dtype))
            self.v_proj_weight = Parameter(ag.empty(embed_dim, self.vdim, dtype=dtype))
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(ag.empty(3 * embed_dim, dtype=dtype))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias,
                                                        dtype=dtype)
        if add_bias_kv:
            self.bias_k = Parameter(ag.empty(1, 1, embed_dim, dtype=dtype))
            self.bias_v = Parameter(ag.empty(1, 1, embed_dim, dtype=dtype))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self.reset_parameters()

    def reset_parameters(self):
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
            init.xavier_normal_(self.bias_v)

    _reset_parameters = reset_parameters  # PyTorch's name

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True,
                attn_mask=None, average_attn_weights=True, is_causal=False):
        op = "MultiheadAttention"
        dtype = getattr(query, "dtype", None)
        if key_padding_mask is not None:
            key_padding_mask = _as_mask(op, "key_padding_mask", key_padding_mask, dtype)
        if attn_mask is not None:
            attn_mask = _as_mask(op, "attn_mask", attn_mask, dtype)
        # checked before any transpose, so that errors show the shapes as given
        _check_mha_shapes(op, query, key, value, key_padding_mask, attn_mask, self.num_heads,
                          self.batch_first)
        batched = query.ndim == 3
        if self.batch_first and batched:
            # transpose shared inputs once, so self-attention keeps its packed projection
            if query is key and key is value:
                query = key = value = query.transpose(0, 1)
            elif key is value:
                query, key = query.transpose(0, 1), key.transpose(0, 1)
                value = key
            else:
                query, key, value = (x.transpose(0, 1) for x in (query, key, value))
        out, weights = _multi_head_attention(
            op, query, key, value, self.embed_dim, self.num_heads, self.in_proj_weight,
            self.in_proj_bias, self.bias_k, self.bias_v, self.add_zero_attn, self.dropout,
            self.out_proj.weight, self.out_proj.bias, self.training, key_padding_mask,
            need_weights, attn_mask, not self._qkv_same_embed_dim, self.q_proj_weight,
            self.k_proj_weight, self.v_proj_weight, None, None, average_attn_weights,
            is_causal)
        if self.batch_first and batched:
            out = out.transpose(0, 1)
        return out, weights
