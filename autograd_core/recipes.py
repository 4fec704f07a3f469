"""The models, datasets and optimizers the command line trains by name (`autograd-core
train --model lstm --dataset sine --optimizer adam`). nn and optim are imported inside the
functions: autograd_core itself never depends on them."""

import numpy as np

from . import datasets
from .creation import tensor

MODELS = ("mlp", "cnn", "rnn", "lstm", "gru")
DATASETS = ("iris", "digits", "spirals", "moons", "sine")
OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw")


class RecipeError(ValueError):
    """A combination the command line cannot train (e.g. a CNN on 2-D points)."""


def load_dataset(name, model, seed):
    """(X_train, X_test, y_train, y_test, task) shaped for the model: 'classification'
    (int labels) or 'regression'. Sequence models read a sample as a sequence: the sine
    windows as they are, a digit's 8 rows as 8 steps, other features one per step."""
    if name == "iris":
        X, y = datasets.load_iris()
        X = (X - X.mean(axis=0)) / X.std(axis=0)
    elif name == "digits":
        X, y = datasets.load_digits()
        X = X / 16.0
    elif name == "spirals":
        X, y = datasets.make_spirals(300, seed=seed)
    elif name == "moons":
        X, y = datasets.make_moons(300, seed=seed)
    elif name == "sine":
        X, y = datasets.make_sine_sequences(600, 30, seed=seed)
    else:
        raise RecipeError(f"unknown dataset {name!r}; choose from {', '.join(DATASETS)}")
    task = "regression" if name == "sine" else "classification"
    if model == "cnn":
        if name != "digits":
            raise RecipeError(f"the cnn model needs images: use --dataset digits, not {name}")
        X = X.reshape(-1, 1, 8, 8)
    elif model in ("rnn", "lstm", "gru"):
        if X.ndim == 2:
            X = X.reshape(len(X), 8, 8) if name == "digits" else X[:, :, None]
    elif X.ndim == 3:  # an MLP reads a whole window at once
        X = X.reshape(len(X), -1)
    X = np.ascontiguousarray(X, dtype=np.float32)
    X_tr, X_te, y_tr, y_te = datasets.train_test_split(X, y, 0.2, seed=seed)
    return X_tr, X_te, y_tr, y_te, task


def build_model(name, X, n_out):
    """A small model of the named kind for inputs like X and n_out outputs."""
    import nn

    if name == "mlp":
        return nn.Sequential(nn.Linear(X.shape[1], 64), nn.ReLU(), nn.Linear(64, 64),
                             nn.ReLU(), nn.Linear(64, n_out))
    if name == "cnn":
        return nn.models.LeNet(n_out, image_size=X.shape[-1])
    if name in ("rnn", "lstm", "gru"):
        return nn.models.SequenceClassifier(name, X.shape[2], 32, n_out)
    raise RecipeError(f"unknown model {name!r}; choose from {', '.join(MODELS)}")


def build_optimizer(name, params, lr):
    import optim

    makers = {
        "sgd": lambda: optim.SGD(params, lr=lr),
        "momentum": lambda: optim.SGD(params, lr=lr, momentum=0.9),
        "nesterov": lambda: optim.SGD(params, lr=lr, momentum=0.9, nesterov=True),
        "adagrad": lambda: optim.Adagrad(params, lr=lr),
        "rmsprop": lambda: optim.RMSprop(params, lr=lr),
        "adam": lambda: optim.Adam(params, lr=lr),
        "adamw": lambda: optim.AdamW(params, lr=lr),
    }
    if name not in makers:
        raise RecipeError(f"unknown optimizer {name!r}; choose from {', '.join(OPTIMIZERS)}")
    return makers[name]()


def loaders(X_tr, X_te, y_tr, y_te, batch_size):
    from .data import DataLoader, TensorDataset

    train = DataLoader(TensorDataset(tensor(X_tr), tensor(y_tr)), batch_size=batch_size,
                       shuffle=True)
    test = DataLoader(TensorDataset(tensor(X_te), tensor(y_te)), batch_size=256)
    return train, test
