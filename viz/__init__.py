"""Computation-graph drawing and training plots for autograd_core."""

from .graph import GraphvizMissing, draw_graph, graph_text, render, retain_grads
from .plots import (
    plot_activation_functions,
    plot_activation_histograms,
    plot_confusion_matrix,
    plot_decision_boundary,
    plot_feature_maps,
    plot_filters,
    plot_gradient_flow,
    plot_history,
    plot_optimizer_paths,
    plot_param_traces,
)
