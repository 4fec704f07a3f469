"""Benchmarks: each workload timed against the hand-written NumPy floor and PyTorch.

Run `python -m benchmarks [NAME ...] [--quick] [--json PATH]` from the repository root.
A workload is one module here with a `run(cfg) -> list[Row]` function (see harness.py);
adding one means writing that module and naming it below, in the order the table shows.

Nothing here imports numpy at package level: `__main__` must pin BLAS threads first.
"""

WORKLOADS = ("op_overhead", "mlp_train", "cnn_train", "lstm_train", "blas", "deep_chain",
             "memory")
