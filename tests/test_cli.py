"""The autograd-core command line and the backprop demo behind `autograd-core demo`."""

import io
import subprocess
import sys

import pytest

import autograd_core as ag
from autograd_core import cli
from autograd_core.cli import main
from autograd_core.demo import hand_gradients, run_demo

COMMANDS = ("demo", "train", "graph", "gradcheck", "bench")


def test_help_lists_every_command(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "autograd-core" in out
    for name in COMMANDS:
        assert name in out


@pytest.mark.parametrize("name", COMMANDS)
def test_each_command_has_its_own_help(name, capsys):
    with pytest.raises(SystemExit) as exc:
        main([name, "--help"])
    assert exc.value.code == 0
    assert f"usage: autograd-core {name}" in capsys.readouterr().out


def test_no_command_prints_help_and_exits_2(capsys):
    assert main([]) == 2
    assert "usage: autograd-core" in capsys.readouterr().err


def test_unknown_command_exits_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["nonsense"])
    assert exc.value.code == 2
    assert "invalid choice: 'nonsense'" in capsys.readouterr().err


def test_unknown_option_of_a_command_exits_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["demo", "--bogus"])
    assert exc.value.code == 2
    assert "autograd-core demo: error: unrecognized arguments: --bogus" in capsys.readouterr().err


def test_hand_gradients_match_finite_differences():
    # The reference the demo trusts must itself be right: central differences in float64.
    point = {"w1": 0.7, "b1": -0.3, "w2": 1.4, "b2": 0.2}
    x, y, eps = 0.5, 2.0, 1e-6

    def loss(p):
        return (p["w2"] * (p["w1"] * x + p["b1"]) + p["b2"] - y) ** 2

    grads = hand_gradients(x, y, **point)
    for name in point:
        up, down = dict(point), dict(point)
        up[name] += eps
        down[name] -= eps
        assert grads[name] == pytest.approx((loss(up) - loss(down)) / (2 * eps), abs=1e-6)


def test_demo_learns_the_line_and_gradients_match():
    out = io.StringIO()
    res = run_demo(epochs=30, quiet=True, out=out)
    assert abs(res["slope"] - 2) < 0.3
    assert abs(res["intercept"] - 1) < 0.3
    assert res["max_grad_diff"] < 1e-4
    assert res["n_checks"] == 30 * 100
    assert res["mse"] < 0.2  # the noise variance is 0.16; a wrong fit is far above it
    assert set(res["params"]) == {"w1", "b1", "w2", "b2"}
    assert res["slope"] == pytest.approx(res["params"]["w1"] * res["params"]["w2"])


def test_demo_is_reproducible_and_seeded():
    a = run_demo(epochs=2, quiet=True, seed=3, out=io.StringIO())
    b = run_demo(epochs=2, quiet=True, seed=3, out=io.StringIO())
    c = run_demo(epochs=2, quiet=True, seed=4, out=io.StringIO())
    assert a["params"] == b["params"]
    assert a["params"] != c["params"]


def test_demo_command_prints_the_gradient_check(capsys):
    assert main(["demo", "--epochs", "5", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "engine gradients match the hand-derived chain rule: max |diff| = " in out
    assert "over 500 checks" in out
    assert "slope w1*w2" in out


def test_demo_fails_when_engine_and_hand_gradients_disagree(monkeypatch, capsys):
    from autograd_core import demo

    def off_by_a_little(*args):
        grads = hand_gradients(*args)
        grads["w1"] += 1e-3  # ten times the tolerance
        return grads

    monkeypatch.setattr(demo, "hand_gradients", off_by_a_little)
    assert main(["demo", "--epochs", "1", "--quiet"]) == 1
    captured = capsys.readouterr()
    assert "engine gradients DO NOT match" in captured.out
    assert "autograd-core demo: engine gradients differ" in captured.err
    with pytest.raises(demo.GradientMismatchError, match="differ from the hand-derived"):
        run_demo(epochs=1, quiet=True, out=io.StringIO())


def test_demo_rejects_zero_epochs(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["demo", "--epochs", "0"])
    assert exc.value.code == 2
    assert "must be a positive integer" in capsys.readouterr().err


def test_gradcheck_command_passes_on_tanh(capsys):
    assert main(["gradcheck", "tanh"]) == 0
    assert capsys.readouterr().out.split() == ["tanh", "ok"]


def test_gradcheck_command_checks_all_ops(capsys):
    assert main(["gradcheck", "--all"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == list(cli.GRADCHECK_OPS)
    assert all(line.split()[1] == "ok" for line in lines)


def test_gradcheck_command_reports_a_wrong_gradient(monkeypatch, capsys):
    class WrongSquare(ag.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, gy):
            (x,) = ctx.saved_tensors
            return gy * x  # should be 2 * x * gy

    ops = dict(cli.GRADCHECK_OPS, wrong=(WrongSquare.apply, [lambda: cli._randn(2, 3)]))
    monkeypatch.setattr(cli, "GRADCHECK_OPS", ops)
    assert main(["gradcheck", "tanh", "wrong"]) == 1
    out = capsys.readouterr().out
    assert "tanh" in out and "wrong  FAILED" in out
    assert "analytical" in out and "numerical" in out  # gradcheck's table
    assert "1 of 2 ops failed gradcheck" in out


def test_gradcheck_command_rejects_unknown_op(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["gradcheck", "no_such_op"])
    assert exc.value.code == 2
    assert "unknown op no_such_op" in capsys.readouterr().err


def test_gradcheck_command_needs_an_op(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["gradcheck"])
    assert exc.value.code == 2
    assert "--all" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["train", "graph"])
def test_unbuilt_commands_exit_2_with_a_message(name, capsys):
    assert main([name]) == 2
    captured = capsys.readouterr()
    assert f"autograd-core {name}: not available yet" in captured.err
    assert captured.out == ""


def test_train_names_its_milestone(capsys):
    assert main(["train"]) == 2
    assert "it arrives with the nn/optim/data milestone" in capsys.readouterr().err


def test_bench_without_benchmarks_folder_says_so(monkeypatch, tmp_path, capsys):
    # Pretend the package is installed somewhere with no benchmarks/ next to it.
    monkeypatch.setattr(cli.ag, "__file__", str(tmp_path / "autograd_core" / "__init__.py"))
    assert main(["bench"]) == 2
    assert "only available from a source checkout" in capsys.readouterr().err


def test_bench_passes_its_arguments_through(monkeypatch, tmp_path):
    (tmp_path / "benchmarks").mkdir()
    monkeypatch.setattr(cli.ag, "__file__", str(tmp_path / "autograd_core" / "__init__.py"))
    calls = []

    def fake_run(cmd, cwd):
        calls.append((cmd, cwd))
        return subprocess.CompletedProcess(cmd, 3)

    monkeypatch.setattr(cli.subprocess, "run", fake_run)
    assert main(["bench", "--only", "mlp_train", "extra"]) == 3
    assert calls == [([sys.executable, "-m", "benchmarks", "--only", "mlp_train", "extra"],
                      tmp_path)]
    assert main(["bench", "--", "--help"]) == 3  # after --, --help is the benchmarks'
    assert calls[-1][0] == [sys.executable, "-m", "benchmarks", "--help"]


def test_python_dash_m_help():
    proc = subprocess.run([sys.executable, "-m", "autograd_core", "--help"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("usage: autograd-core")
    for name in COMMANDS:
        assert name in proc.stdout


def test_cli_import_leaves_nn_optim_viz_unimported():
    code = ("import sys, autograd_core.cli, autograd_core.__init__; "
            "print(sorted(m for m in ('nn', 'optim', 'viz', 'autograd_core.demo') "
            "if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
