"""The autograd-core command line: demo, train, graph, gradcheck, bench."""

import io
import re
import subprocess
import sys

import pytest

import autograd_core as ag
from autograd_core import checks, cli
from autograd_core.cli import main
from autograd_core.demo import run_demo

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


def test_demo_trains_lenet_and_writes_its_outputs(tmp_path):
    out = io.StringIO()
    res = run_demo(out=tmp_path / "out", epochs=4, progress=False, stream=out)
    assert res["accuracy"] > 0.7 and res["gradcheck_passed"]  # 4 epochs: about 0.85
    names = sorted(p.name for p in res["written"])
    assert names == ["filters.png", "gradcheck.txt", "graph.svg", "history.png"]
    for p in res["written"]:
        assert p.exists() and p.stat().st_size > 0
    assert (tmp_path / "out" / "history.png").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "out" / "graph.svg").read_text().lstrip().startswith("<?xml")
    text = out.getvalue()
    assert "test accuracy:" in text and text.rstrip().endswith("gradcheck.txt")
    assert f"{len(checks.registry())} of {len(checks.registry())} ops and layers match" in text


def test_demo_command_and_its_arguments(tmp_path, capsys):
    assert main(["demo", "--epochs", "1", "--quiet", "--out", str(tmp_path / "d")]) == 0
    assert "wrote:" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:
        main(["demo", "--epochs", "0"])
    assert exc.value.code == 2


def test_gradcheck_checks_every_op_and_layer(capsys):
    assert main(["gradcheck"]) == 0
    out = capsys.readouterr().out
    names = list(checks.registry())
    assert len(names) >= 50 and "F.lstm_cell" in names and "sliding_windows" in names
    assert f"{len(names)} of {len(names)} pass" in out
    assert "max abs err" in out and "max rel err" in out
    rows = [line for line in out.splitlines()
            if line.endswith("pass") and not re.search(r"\d+ of \d+ pass$", line)]
    assert len(rows) == len(names)


def test_gradcheck_reports_a_wrong_gradient_and_exits_1(monkeypatch, capsys):
    class WrongSquare(ag.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, gy):
            (x,) = ctx.saved_tensors
            return gy * x  # should be 2 * x * gy

    real = checks.registry
    monkeypatch.setattr(checks, "registry", lambda: dict(
        real(), wrong=(WrongSquare.apply, lambda: [checks._x(2, 3, kind="away")])))
    assert main(["gradcheck", "tanh", "wrong"]) == 1
    out = capsys.readouterr().out
    assert re.search(r"^wrong .* FAIL$", out, flags=re.M)
    assert re.search(r"^tanh .* pass$", out, flags=re.M)
    assert "1 of 2 pass" in out and "analytical" in out  # gradcheck's own table follows


def test_gradcheck_list_and_unknown_op(capsys):
    assert main(["gradcheck", "--list"]) == 0
    assert capsys.readouterr().out.split("\n")[0] == next(iter(checks.registry()))
    with pytest.raises(SystemExit) as exc:
        main(["gradcheck", "no_such_op"])
    assert exc.value.code == 2
    assert "unknown op no_such_op" in capsys.readouterr().err


def test_train_saves_plots_and_resumes(tmp_path, capsys):
    out = tmp_path / "run"
    args = ["train", "--model", "mlp", "--dataset", "moons", "--epochs", "2", "--quiet",
            "--out", str(out)]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "test loss" in text and "accuracy" in text
    for name in ("model.safetensors", "history.png", "decision_boundary.png"):
        assert (out / name).exists()
    saved = ag.load(out / "model.safetensors")
    assert saved["meta"] == {"model": "mlp", "dataset": "moons", "optimizer": "adam"}
    assert main(args + ["--resume", str(out / "model.safetensors")]) == 0
    assert "resumed from" in capsys.readouterr().out
    # a file for another model is refused with a clear message, exit status 2
    assert main(["train", "--model", "gru", "--dataset", "sine", "--epochs", "1", "--quiet",
                 "--out", str(tmp_path / "x"), "--resume", str(out / "model.safetensors")]) == 2
    assert "holds a mlp trained on moons" in capsys.readouterr().err


@pytest.mark.parametrize("model,dataset", [("cnn", "digits"), ("lstm", "sine"),
                                           ("gru", "iris"), ("rnn", "spirals")])
def test_train_every_kind_of_model(tmp_path, model, dataset, capsys):
    assert main(["train", "--model", model, "--dataset", dataset, "--epochs", "1", "--quiet",
                 "--optimizer", "rmsprop", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "model.safetensors").exists()


def test_train_refuses_a_cnn_on_points_and_bad_choices(tmp_path, capsys):
    assert main(["train", "--model", "cnn", "--dataset", "moons", "--quiet",
                 "--out", str(tmp_path)]) == 2
    assert "the cnn model needs images" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["train", "--optimizer", "lbfgs"])
    assert exc.value.code == 2
    assert "invalid choice: 'lbfgs'" in capsys.readouterr().err


def test_graph_renders_each_format(tmp_path, capsys):
    for fmt, magic in (("svg", b"<?xml"), ("png", b"\x89PNG"), ("pdf", b"%PDF")):
        target = tmp_path / f"g.{fmt}"
        assert main(["graph", "--model", "cnn", "--format", fmt, "--out", str(target)]) == 0
        assert target.read_bytes().startswith(magic)
    assert main(["graph", "--model", "gru", "--out", str(tmp_path / "r.svg")]) == 0
    assert "rnn (GRU)" in (tmp_path / "r.svg").read_text()


def test_graph_takes_its_format_from_out_and_refuses_a_contradiction(tmp_path, capsys):
    """--out's suffix sets the format when --format is not given; a format added to a name
    without one (or with another dot in it); --out g.svg --format png is an error, not a
    g.png written somewhere else."""
    assert main(["graph", "--out", str(tmp_path / "a.png")]) == 0
    assert (tmp_path / "a.png").read_bytes().startswith(b"\x89PNG")
    assert main(["graph", "--out", str(tmp_path / "b"), "--format", "pdf"]) == 0
    assert (tmp_path / "b.pdf").read_bytes().startswith(b"%PDF")
    assert main(["graph", "--out", str(tmp_path / "c.v1")]) == 0
    assert (tmp_path / "c.v1.svg").read_text().lstrip().startswith("<?xml")
    capsys.readouterr()
    assert main(["graph", "--out", str(tmp_path / "d.svg"), "--format", "png"]) == 2
    assert "ends in .svg but --format is png" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png", "b.pdf", "c.v1.svg"]


def test_train_and_graph_help_show_their_defaults(capsys):
    for command, shown in (("train", ["(default: mlp)", "(default: iris)", "(default: adam)",
                                      "(default: 20)", "(default: 32)", "(default: 0)"]),
                           ("graph", ["(default: mlp)", "(default: graph.svg)",
                                      "else svg"])):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        text = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
        for piece in shown:
            assert piece in text, (command, piece)


def test_graph_without_dot_prints_the_install_hint(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot on this PATH
    assert main(["graph", "--out", str(tmp_path / "g.svg")]) == 1
    err = capsys.readouterr().err
    assert "apt-get install graphviz" in err and "Traceback" not in err


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
