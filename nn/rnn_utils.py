"""Variable-length sequences, as torch.nn.utils.rnn (exported as nn.utils.rnn): padding,
packing into a PackedSequence that the recurrent layers run step by step on each sequence's
own length, and back. Every move of data is one gather (integer indexing) of autograd_core,
so gradients flow through packing and padding both ways."""

from collections import namedtuple

import numpy as np

import autograd_core as ag
from autograd_core.errors import ShapeError
from autograd_core.tensor import Tensor

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence",
           "pad_packed_sequence", "pad_sequence", "unpad_sequence", "pack_sequence",
           "unpack_sequence"]


def invert_permutation(permutation):
    """The inverse of a permutation (an int64 Tensor), or None for None."""
    if permutation is None:
        return None
    perm = np.asarray(permutation.data if isinstance(permutation, Tensor) else permutation,
                      dtype=np.int64)
    inverse = np.empty_like(perm)
    inverse[perm] = np.arange(perm.size, dtype=np.int64)
    return ag.tensor(inverse)


class PackedSequence(namedtuple("PackedSequence_",
                                ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])):
    """Sequences of different lengths packed time step by time step: `data` holds, for
    t = 0, 1, ..., the step-t elements of the batch_sizes[t] sequences still running
    (sequences sorted by decreasing length); `sorted_indices[j]` is the original batch
    position of sorted sequence j and `unsorted_indices` its inverse (both None when the
    batch came sorted). Build it with pack_padded_sequence or pack_sequence, not by hand.
    """

    __slots__ = ()

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:  # PackedSequence((data, batch_sizes)), as torch allows
            data, batch_sizes = data
        if not isinstance(batch_sizes, Tensor):
            raise TypeError("PackedSequence: batch_sizes should be a 1-d int64 Tensor, got "
                            f"{type(batch_sizes).__name__}")
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs):
        """A PackedSequence whose data is data.to(...); the sizes and indices stay."""
        data = self.data.to(*args, **kwargs)
        return self if data is self.data else type(self)(data, self.batch_sizes,
                                                          self.sorted_indices,
                                                          self.unsorted_indices)

    def cpu(self):
        return self

    def double(self):
        return self.to(ag.float64)

    def float(self):
        return self.to(ag.float32)

    @property
    def is_cuda(self):
        return False

    def is_pinned(self):
        return False


def _lengths(lengths):
    """lengths (a list, array or Tensor) as a 1-d int64 numpy array, as torch converts."""
    if isinstance(lengths, Tensor):
        lengths = lengths.data
    array = np.asarray(lengths)
    if array.ndim != 1:
        raise RuntimeError("'lengths' argument should be a 1D CPU int64 tensor, but got "
                           f"{array.ndim}D cpu Long tensor")
    return array.astype(np.int64)


def _check_lengths(lengths, batch, steps):
    """torch's checks on lengths (sorted, positive, one per sequence), and that the longest
    fits in the padded input (which torch reads past without a word)."""
    if lengths.size != batch:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got "
                           f"{lengths.size} (batch_size={batch})")
    if lengths[-1] <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an "
                           "element in 'lengths' that is <= 0")
    if (lengths[1:] > lengths[:-1]).any():
        raise RuntimeError("`lengths` array must be sorted in decreasing order when "
                           "`enforce_sorted` is True. You can pass `enforce_sorted=False` to "
                           "pack_padded_sequence and/or pack_sequence to sidestep this "
                           "requirement if you do not need ONNX exportability.")
    if lengths[0] > steps:
        raise ShapeError(f"pack_padded_sequence: the longest length, {lengths[0]}, is more "
                         f"than the {steps} steps of the padded input")


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch (T, B, *) (or (B, T, *) with batch_first) of sequences of the
    given lengths into a PackedSequence.

    Args:
        lengths: the length of each sequence (list or 1-d Tensor), all > 0.
        enforce_sorted: if True, lengths must be in decreasing order; if False the batch
            is sorted here and the permutation kept in the PackedSequence.
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"pack_padded_sequence: input must be a Tensor, got "
                        f"{type(input).__name__}")
    lengths = _lengths(lengths)
    if input.data.size == 0:
        raise RuntimeError("Cannot pack empty tensors.")
    if input.ndim < 2:
        raise ShapeError("pack_padded_sequence: input must have at least 2 dimensions "
                         f"(steps and batch), got {input.ndim}")
    tdim, bdim = (1, 0) if batch_first else (0, 1)
    batch, steps = input.shape[bdim], input.shape[tdim]
    if enforce_sorted:
        order, sorted_indices = np.arange(lengths.size), None
    else:
        # a stable sort, as torch's on the CPU: equal lengths keep their order
        order = np.argsort(-lengths, kind="stable")
        lengths = lengths[order]
        sorted_indices = ag.tensor(order)
    _check_lengths(lengths, batch, steps)
    # the (step, sorted position) pairs in packed order: step-major, then by position
    t, j = np.nonzero(np.arange(lengths[0])[:, None] < lengths[None, :])
    data = input[order[j], t] if batch_first else input[t, order[j]]
    batch_sizes = ag.tensor(np.bincount(t, minlength=int(lengths[0])).astype(np.int64))
    return PackedSequence(data, batch_sizes, sorted_indices, None)


def _packed_layout(sequence, op):
    if not isinstance(sequence, PackedSequence):
        raise TypeError(f"{op}: expected a PackedSequence, got {type(sequence).__name__}")
    batch_sizes = np.asarray(sequence.batch_sizes.data, dtype=np.int64)
    if batch_sizes.ndim != 1 or batch_sizes.size == 0:
        raise ShapeError(f"{op}: batch_sizes must be a non-empty 1-d tensor, got shape "
                         f"{tuple(batch_sizes.shape)}")
    return batch_sizes


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """Undo pack_padded_sequence: returns (padded, lengths), padded (T, B, *) (or (B, T, *)
    with batch_first) in the original batch order, filled with padding_value past each
    sequence's end, and lengths an int64 Tensor in that order. total_length pads to that
    many steps (at least the longest length)."""
    batch_sizes = _packed_layout(sequence, "pad_packed_sequence")
    data = sequence.data
    steps, batch = batch_sizes.size, int(batch_sizes[0])
    if total_length is not None:
        if total_length < steps:
            raise ValueError("Expected total_length to be at least the length of the longest "
                             f"sequence in input, but got total_length={total_length} and "
                             f"max sequence length being {steps}")
    else:
        total_length = steps
    offsets = np.concatenate(([0], np.cumsum(batch_sizes)[:-1]))
    # sorted position of each output column: unsorted_indices maps original -> sorted
    unsorted = (np.arange(batch) if sequence.unsorted_indices is None
                else np.asarray(sequence.unsorted_indices.data, dtype=np.int64))
    # per step: how many sequences run, where the step starts in data (none past the end)
    running = np.zeros((total_length, 1), dtype=np.int64)
    running[:steps, 0] = batch_sizes
    start = np.zeros((total_length, 1), dtype=np.int64)
    start[:steps, 0] = offsets
    # the row of data for each (step, column), or the padding row appended after the data
    rows = np.where(unsorted[None, :] < running, start + unsorted[None, :], len(data))
    pad = ag.full((1,) + tuple(data.shape[1:]), padding_value, dtype=data.dtype)
    padded = ag.cat([data, pad])[rows.T if batch_first else rows]
    lengths = (batch_sizes[None, :] > np.arange(batch)[:, None]).sum(1)  # per sorted seq
    return padded, ag.tensor(lengths[unsorted].astype(np.int64))


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack tensors of shapes (L_i, *) into one (max L, B, *) (or (B, max L, *) with
    batch_first), padding each on the right (or left) with padding_value."""
    if padding_side not in ("left", "right"):
        raise ValueError(f"Expected padding_side to be one of left or right, but got "
                         f"{padding_side}.")
    if isinstance(sequences, Tensor):
        sequences = [sequences[i] for i in range(sequences.shape[0])]
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    for k, s in enumerate(sequences):
        if not isinstance(s, Tensor):
            raise TypeError(f"pad_sequence: sequences[{k}] must be a Tensor, got "
                            f"{type(s).__name__}")
        if s.ndim == 0:
            raise ShapeError(f"pad_sequence: sequences[{k}] is 0-d; each sequence needs a "
                             "first (time) dimension")
        if s.shape[1:] != sequences[0].shape[1:]:
            raise ShapeError(f"pad_sequence: sequences[{k}] of shape {tuple(s.shape)} does "
                             f"not match sequences[0] of shape {tuple(sequences[0].shape)} "
                             "after the first dimension")
    lengths = np.array([s.shape[0] for s in sequences], dtype=np.int64)
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    longest = int(lengths.max())
    t = np.arange(longest)[:, None]
    if padding_side == "left":
        t = t - (longest - lengths[None, :])  # position within each sequence
    inside = (t >= 0) & (t < lengths[None, :])
    rows = np.where(inside, starts[None, :] + t, lengths.sum())
    dtype = np.result_type(*[s.dtype for s in sequences])
    pad = ag.full((1,) + tuple(sequences[0].shape[1:]), padding_value, dtype=dtype)
    return ag.cat(sequences + [pad])[rows.T if batch_first else rows]


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """Undo pad_sequence: the list of sequences padded[:L_b, b] (padded[b, :L_b] with
    batch_first) for the given lengths."""
    lengths = _lengths(lengths)
    if batch_first:
        return [padded_sequences[b, :int(n)] for b, n in enumerate(lengths)]
    return [padded_sequences[:int(n), b] for b, n in enumerate(lengths)]


def pack_sequence(sequences, enforce_sorted=True):
    """Pack a list of tensors (L_i, *) into a PackedSequence (pad_sequence, then
    pack_padded_sequence with their lengths)."""
    sequences = list(sequences)
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths,
                                enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    """Undo pack_sequence: the list of the packed sequences, in their original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
