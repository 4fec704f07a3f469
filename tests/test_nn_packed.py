"""nn.utils.rnn (pad_sequence, PackedSequence, packing and padding both ways) and the
recurrent layers on packed input: values and gradients against torch in float64, torch's
errors."""

import itertools

import numpy as np
import pytest

import autograd_core as ag
import nn
from nn.utils.rnn import (
    PackedSequence,
    pack_padded_sequence,
    pack_sequence,
    pad_packed_sequence,
    pad_sequence,
    unpack_sequence,
    unpad_sequence,
)

from .nn_parity import RNG, _t


def _close(a, b, what=""):
    np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12, err_msg=what)


def _np(x):
    return x.detach().numpy() if hasattr(x, "detach") else x.data


def _same_packed(a, b):
    """Our PackedSequence equals torch's: data, batch sizes and both permutations."""
    _close(a.data.data, _np(b.data), "data")
    np.testing.assert_array_equal(a.batch_sizes.data, b.batch_sizes.numpy())
    assert a.batch_sizes.dtype == ag.int64
    for mine, theirs in ((a.sorted_indices, b.sorted_indices),
                         (a.unsorted_indices, b.unsorted_indices)):
        assert (mine is None) == (theirs is None)
        if mine is not None:
            np.testing.assert_array_equal(mine.data, theirs.numpy())


def _weighted(outs_a, outs_t, torch):
    """The same random weighting of our outputs and torch's, summed: one loss each."""
    loss_a, loss_t = 0.0, 0.0
    for a, b in zip(outs_a, outs_t):
        _close(a.data, _np(b), "output")
        g = RNG.standard_normal(a.shape)
        loss_a = loss_a + (a * _t(g)).sum()
        loss_t = loss_t + (b * torch.tensor(g)).sum()
    return loss_a, loss_t


# --- pad_sequence ---

@pytest.mark.parametrize("batch_first,padding_side", list(itertools.product(
    (False, True), ("right", "left"))))
def test_pad_sequence_matches_torch_with_gradients(torch, batch_first, padding_side):
    shapes = [(3, 2, 2), (0, 2, 2), (5, 2, 2), (1, 2, 2)]
    arrays = [RNG.standard_normal(s) for s in shapes]
    ours = [_t(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    ya = pad_sequence(ours, batch_first, -3.5, padding_side)
    yt = torch.nn.utils.rnn.pad_sequence(theirs, batch_first, -3.5, padding_side)
    assert ya.shape == tuple(yt.shape)
    loss_a, loss_t = _weighted([ya], [yt], torch)
    loss_a.backward()
    loss_t.backward()
    for a, b in zip(ours, theirs):
        _close(a.grad.data, b.grad.numpy(), "grad")


def test_pad_sequence_of_a_tensor_keeps_dtype_and_refuses_bad_input(torch):
    x = RNG.standard_normal((2, 3))
    _close(pad_sequence(_t(x)).data, torch.nn.utils.rnn.pad_sequence(torch.tensor(x)).numpy())
    ints = pad_sequence([ag.tensor([1, 2]), ag.tensor([3])], batch_first=True, padding_value=7)
    assert ints.dtype == ag.int64 and ints.tolist() == [[1, 2], [3, 7]]
    assert pad_sequence([ag.ones(2)]).dtype == ag.float32
    with pytest.raises(RuntimeError, match="received an empty list of sequences"):
        pad_sequence([])
    with pytest.raises(ValueError, match="Expected padding_side to be one of left or right, "
                                         "but got middle."):
        pad_sequence([ag.ones(2)], padding_side="middle")
    with pytest.raises(RuntimeError, match=r"sequences\[1\] of shape \(3, 4\) does not match"):
        pad_sequence([ag.ones(2, 3), ag.ones(3, 4)])
    with pytest.raises(ValueError, match=r"sequences\[0\] is 0-d"):
        pad_sequence([ag.tensor(1.0)])


def test_unpad_sequence_undoes_pad_sequence(torch):
    arrays = [RNG.standard_normal((n, 2)) for n in (3, 1, 4)]
    for batch_first in (False, True):
        ours = [_t(a, requires_grad=True) for a in arrays]
        padded = pad_sequence(ours, batch_first=batch_first)
        for lengths in ([3, 1, 4], ag.tensor([3, 1, 4])):
            back = unpad_sequence(padded, lengths, batch_first=batch_first)
            for a, b in zip(back, arrays):
                _close(a.data, b)
        sum((b * b).sum() for b in back).backward()
        for a, b in zip(ours, arrays):
            _close(a.grad.data, 2 * b)


# --- pack_padded_sequence / pad_packed_sequence ---

CASES = [([5, 3, 3, 1], True), ([2, 5, 1, 3], False), ([3, 3, 3, 3], False),
         ([4, 2, 2, 4], False), ([1], True)]


@pytest.mark.parametrize("lengths,enforce_sorted", CASES)
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("as_tensor", [False, True])
def test_pack_and_pad_round_trip_match_torch(torch, lengths, enforce_sorted, batch_first,
                                             as_tensor):
    rnn = torch.nn.utils.rnn
    steps, batch = max(lengths) + 1, len(lengths)
    x = RNG.standard_normal((batch, steps, 2) if batch_first else (steps, batch, 2))
    xa, xt = _t(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    la = ag.tensor(lengths) if as_tensor else lengths
    lt = torch.tensor(lengths) if as_tensor else lengths
    pa = pack_padded_sequence(xa, la, batch_first, enforce_sorted)
    pt = rnn.pack_padded_sequence(xt, lt, batch_first, enforce_sorted)
    assert isinstance(pa, PackedSequence) and isinstance(pa, tuple)
    assert pa._fields == pt._fields
    _same_packed(pa, pt)
    outs_a, outs_t = [pa.data], [pt.data]
    for total_length in (None, steps + 2):
        ya, lens_a = pad_packed_sequence(pa, batch_first, 0.5, total_length)
        yt, lens_t = rnn.pad_packed_sequence(pt, batch_first, 0.5, total_length)
        np.testing.assert_array_equal(lens_a.data, lens_t.numpy())
        assert lens_a.dtype == ag.int64
        outs_a.append(ya)
        outs_t.append(yt)
    loss_a, loss_t = _weighted(outs_a, outs_t, torch)
    loss_a.backward()
    loss_t.backward()
    _close(xa.grad.data, xt.grad.numpy(), "input grad")


@pytest.mark.parametrize("enforce_sorted", [False, True])
def test_pack_sequence_and_unpack_sequence_match_torch(torch, enforce_sorted):
    rnn = torch.nn.utils.rnn
    lengths = [4, 3, 3, 1] if enforce_sorted else [2, 4, 1, 3]
    arrays = [RNG.standard_normal((n, 3)) for n in lengths]
    ours = [_t(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    pa, pt = pack_sequence(ours, enforce_sorted), rnn.pack_sequence(theirs, enforce_sorted)
    _same_packed(pa, pt)
    back_a, back_t = unpack_sequence(pa), rnn.unpack_sequence(pt)
    assert [b.shape for b in back_a] == [tuple(b.shape) for b in back_t]
    loss_a, loss_t = _weighted(back_a + [pa.data], back_t + [pt.data], torch)
    loss_a.backward()
    loss_t.backward()
    for a, b in zip(ours, theirs):
        _close(a.grad.data, b.grad.numpy())


def test_packed_sequence_is_torch_like():
    data, sizes = ag.ones(3, 2), ag.tensor([2, 1])
    p = PackedSequence(data, sizes)
    assert p.sorted_indices is None and p.unsorted_indices is None
    assert PackedSequence((data, sizes)).batch_sizes is sizes
    q = PackedSequence(data, sizes, ag.tensor([1, 0, 2]))
    np.testing.assert_array_equal(q.unsorted_indices.data, [1, 0, 2])
    q = PackedSequence(data, sizes, ag.tensor([2, 0, 1]))
    np.testing.assert_array_equal(q.unsorted_indices.data, [1, 2, 0])
    d, b, s, u = q
    assert d is data and b is sizes
    assert q.double().data.dtype == ag.float64 and q.double().batch_sizes is sizes
    assert q.to(ag.float32) is q and not q.is_cuda
    assert repr(p).startswith("PackedSequence(data=tensor(")
    with pytest.raises(TypeError, match="batch_sizes should be a 1-d int64 Tensor"):
        PackedSequence(data, [2, 1])


def test_packing_errors_have_torch_wording():
    x = ag.randn(4, 3, 2)
    with pytest.raises(RuntimeError, match="`lengths` array must be sorted in decreasing "
                                           "order when `enforce_sorted` is True. You can pass "
                                           "`enforce_sorted=False`"):
        pack_padded_sequence(x, [2, 3, 1])
    with pytest.raises(RuntimeError, match="Length of all samples has to be greater than 0, "
                                           "but found an element in 'lengths' that is <= 0"):
        pack_padded_sequence(x, [3, 2, 0])
    with pytest.raises(RuntimeError, match="Length of all samples has to be greater than 0"):
        pack_padded_sequence(x, [3, 0, 2], enforce_sorted=False)
    with pytest.raises(RuntimeError, match="Length of all samples has to be greater than 0"):
        pack_sequence([ag.ones(2, 3), ag.ones(0, 3)])
    with pytest.raises(RuntimeError, match=r"Expected `len\(lengths\)` to be equal to "
                                           r"batch_size, but got 2 \(batch_size=3\)"):
        pack_padded_sequence(x, [3, 2])
    with pytest.raises(RuntimeError, match="Cannot pack empty tensors."):
        pack_padded_sequence(ag.zeros(0, 3, 2), [3, 2, 1])
    with pytest.raises(RuntimeError, match="'lengths' argument should be a 1D CPU int64 "
                                           "tensor, but got 2D cpu Long tensor"):
        pack_padded_sequence(x, ag.tensor([[3, 2, 1]]))
    with pytest.raises(ValueError, match="the longest length, 5, is more than the 4 steps"):
        pack_padded_sequence(x, [5, 2, 1])
    p = pack_padded_sequence(x, [3, 2, 1])
    with pytest.raises(ValueError, match="Expected total_length to be at least the length of "
                                         "the longest sequence in input, but got "
                                         "total_length=2 and max sequence length being 3"):
        pad_packed_sequence(p, total_length=2)
    with pytest.raises(TypeError, match="pad_packed_sequence: expected a PackedSequence"):
        pad_packed_sequence(x)


def test_float_lengths_truncate_as_torch(torch):
    x = RNG.standard_normal((4, 3, 2))
    pa = pack_padded_sequence(_t(x), ag.tensor([3.0, 2.0, 1.0]))
    pt = torch.nn.utils.rnn.pack_padded_sequence(torch.tensor(x), torch.tensor([3.0, 2, 1]))
    _same_packed(pa, pt)


def test_utils_rnn_is_reachable_as_in_torch():
    import nn.utils.rnn as rnn_module
    assert nn.utils.rnn is rnn_module
    assert rnn_module.pad_sequence is pad_sequence


# --- recurrent layers on packed input ---

KINDS = {"RNN": ("RNN", {}), "RNN_relu": ("RNN", {"nonlinearity": "relu"}),
         "LSTM": ("LSTM", {}), "GRU": ("GRU", {}), "LSTM_proj": ("LSTM", {"proj_size": 2})}


def _layers(torch, kind, **kw):
    name, extra = KINDS[kind]
    kw = {**extra, **kw}
    ours, theirs = getattr(nn, name)(3, 4, **kw), getattr(torch.nn, name)(3, 4, **kw)
    ours.double()
    theirs.double()
    theirs.load_state_dict({k: torch.tensor(v.data) for k, v in ours.state_dict().items()})
    return ours, theirs


def _packed_parity(torch, ours, theirs, lengths, enforce_sorted, batch_first, states=None):
    """Pack the same padded input for both, run them (with initial states), pad the output
    back, and compare the outputs, the final states and every gradient."""
    rnn = torch.nn.utils.rnn
    steps, batch = max(lengths) + 1, len(lengths)
    x = RNG.standard_normal((batch, steps, 3) if batch_first else (steps, batch, 3))
    xa, xt = _t(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    args_a = [pack_padded_sequence(xa, lengths, batch_first, enforce_sorted)]
    args_t = [rnn.pack_padded_sequence(xt, lengths, batch_first, enforce_sorted)]
    sa = [_t(s, requires_grad=True) for s in states or ()]
    st = [torch.tensor(s, requires_grad=True) for s in states or ()]
    if states:
        args_a.append(tuple(sa) if len(sa) == 2 else sa[0])
        args_t.append(tuple(st) if len(st) == 2 else st[0])
    pa, ra = ours(*args_a)
    pt, rt = theirs(*args_t)
    assert isinstance(pa, PackedSequence)
    _same_packed(pa, pt)
    ya, _ = pad_packed_sequence(pa, batch_first)
    yt, _ = rnn.pad_packed_sequence(pt, batch_first)
    ra = list(ra) if isinstance(ra, tuple) else [ra]
    rt = list(rt) if isinstance(rt, tuple) else [rt]
    loss_a, loss_t = _weighted([ya] + ra, [yt] + rt, torch)
    loss_a.backward()
    loss_t.backward()
    for k, (a, b) in enumerate(zip([xa] + sa, [xt] + st)):
        _close(a.grad.data, b.grad.numpy(), f"grad of input {k} (input, then states)")
    for (name, p), (tname, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert name == tname
        _close(p.grad.data, q.grad.numpy(), name)


PACKED_OPTIONS = list(itertools.product(KINDS, (1, 2), (False, True), (True, False)))


@pytest.mark.parametrize("kind,num_layers,bidirectional,enforce_sorted", PACKED_OPTIONS)
def test_layer_on_packed_input_matches_torch(torch, kind, num_layers, bidirectional,
                                             enforce_sorted):
    ours, theirs = _layers(torch, kind, num_layers=num_layers, bidirectional=bidirectional)
    lengths = [5, 3, 3, 1] if enforce_sorted else [2, 5, 1, 3]
    _packed_parity(torch, ours, theirs, lengths, enforce_sorted, False)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_layer_on_packed_input_with_initial_states_matches_torch(torch, kind, enforce_sorted):
    ours, theirs = _layers(torch, kind, num_layers=2, bidirectional=True, batch_first=True)
    lengths = [4, 4, 2, 1] if enforce_sorted else [1, 4, 2, 4]
    h = 2 if kind == "LSTM_proj" else 4
    states = [RNG.standard_normal((4, 4, h))]
    if kind.startswith("LSTM"):
        states.append(RNG.standard_normal((4, 4, 4)))
    _packed_parity(torch, ours, theirs, lengths, enforce_sorted, True, states)


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
def test_packed_edge_cases_match_torch(torch, kind):
    # all of one length, a single step, a single sequence, and no bias
    for lengths, kw in (([3, 3, 3], {}), ([1, 1], {}), ([4], {"bidirectional": True}),
                        ([1], {"bidirectional": True}), ([3, 1], {"bias": False})):
        ours, theirs = _layers(torch, kind, **kw)
        _packed_parity(torch, ours, theirs, lengths, True, False)


def test_packed_matches_unpacked_for_equal_lengths():
    """All sequences of full length: packing changes nothing."""
    lstm = nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    x = ag.randn(5, 2, 3)
    y, (h, c) = lstm(x)
    p, (hp, cp) = lstm(pack_padded_sequence(x, [5, 5]))
    np.testing.assert_allclose(pad_packed_sequence(p)[0].data, y.data, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(hp.data, h.data, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(cp.data, c.data, rtol=1e-5, atol=1e-6)


def test_packed_input_errors():
    gru = nn.GRU(3, 4)
    bad = PackedSequence(ag.randn(3, 2, 3), ag.tensor([2, 1]))
    with pytest.raises(ValueError, match="GRU: input must have 2 dimensions, got 3"):
        gru(bad)
    with pytest.raises(ValueError, match=r"GRU: the batch sizes \[2, 2\] do not add up to"):
        gru(PackedSequence(ag.randn(3, 3), ag.tensor([2, 2])))
    p = pack_padded_sequence(ag.randn(4, 3, 3), [3, 2, 1])
    with pytest.raises(ValueError, match=r"Expected hidden size \(1, 3, 4\), got \[1, 2, 4\]"):
        gru(p, ag.zeros(1, 2, 4))
    with pytest.raises(ValueError, match="input.size\\(-1\\) must be equal to input_size"):
        gru(pack_padded_sequence(ag.randn(4, 3, 2), [3, 2, 1]))


def test_gradcheck_through_packing_and_a_packed_lstm():
    lstm = nn.LSTM(2, 3, bidirectional=True).double()
    x = ag.randn(4, 3, 2, dtype=ag.float64, requires_grad=True)

    def run(x):
        out, (h, c) = lstm(pack_padded_sequence(x, [2, 4, 1], enforce_sorted=False))
        padded, _ = pad_packed_sequence(out, padding_value=0.5, total_length=5)
        return padded.sum(-1) + h.sum() + c.sum()

    assert ag.gradcheck(run, (x,))
    assert ag.gradcheck(lambda *s: pad_sequence(s, batch_first=True, padding_side="left"),
                        tuple(ag.randn(n, 2, dtype=ag.float64, requires_grad=True)
                              for n in (2, 3)))
