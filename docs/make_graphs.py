"""Render the example graphs in docs/: python docs/make_graphs.py (needs Graphviz's dot)."""

import os

import autograd_core as ag
import nn
import viz

HERE = os.path.dirname(os.path.abspath(__file__))


def mlp_graph():
    """A small MLP and its loss, grouped by module, coloured by gradient norm."""
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    x, target = ag.randn(6, 4), ag.randint(0, 3, (6,))
    loss = nn.CrossEntropyLoss()(model(x), target)
    viz.retain_grads(loss)  # so the ops are coloured by their gradients too
    loss.backward()
    return viz.draw_graph(loss, params=dict(model.named_parameters()), group_modules=True,
                          show_grads=True)


def scalar_graph():
    """y = 2x + 1 at x = 3, with values, gradients and local derivatives."""
    x = ag.tensor(3.0, requires_grad=True)
    y = 2 * x + 1
    viz.retain_grads(y)
    y.backward(retain_graph=True)  # keep the constant 2 that Mul saved, to draw it
    return viz.draw_graph(y, params={"x": x}, show_values=True, show_derivatives=True,
                          show_order=True, rankdir="LR")


if __name__ == "__main__":
    for name, graph in (("mlp_graph", mlp_graph()), ("scalar_graph", scalar_graph())):
        print(viz.render(graph, os.path.join(HERE, name), "svg"))
