"""Small reference models the command line and the notebooks train by name: LeNet for
8x8 or 28x28 digits, and a recurrent classifier/regressor over sequences."""

from .activation import ReLU
from .containers import Sequential
from .conv import Conv2d
from .linear import Flatten, Linear
from .module import Module
from .pooling import MaxPool2d
from .recurrent import GRU, LSTM, RNN


class LeNet(Module):
    """LeNet-5's shape: (conv 3x3 with padding - ReLU - max-pool 2) twice, then
    Linear-ReLU-Linear-ReLU-Linear. image_size 8 (the shipped digits) or 28 (MNIST)."""

    def __init__(self, n_out=10, image_size=8):
        super().__init__()
        side = image_size // 4
        self.features = Sequential(
            Conv2d(1, 6, 3, padding=1), ReLU(), MaxPool2d(2),
            Conv2d(6, 16, 3, padding=1), ReLU(), MaxPool2d(2))
        self.classifier = Sequential(
            Flatten(), Linear(16 * side * side, 120), ReLU(), Linear(120, 84), ReLU(),
            Linear(84, n_out))

    def forward(self, x):
        return self.classifier(self.features(x))


class SequenceClassifier(Module):
    """A recurrent layer (kind 'rnn', 'lstm' or 'gru', batch-first) over the sequence,
    then a Linear on its last step's output."""

    def __init__(self, kind, n_in, hidden, n_out):
        super().__init__()
        layers = {"rnn": RNN, "lstm": LSTM, "gru": GRU}
        if kind not in layers:
            raise ValueError(f"SequenceClassifier: kind must be one of {sorted(layers)}, got "
                             f"{kind!r}")
        self.rnn = layers[kind](n_in, hidden, batch_first=True)
        self.head = Linear(hidden, n_out)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.head(out[:, -1])
