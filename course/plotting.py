"""Small plotting helpers shared by the notebooks (matplotlib)."""

from collections.abc import Callable

import matplotlib.pyplot as plt
import numpy as np


def plot_decision_boundary(
    predict: Callable[[np.ndarray], np.ndarray],
    x: np.ndarray,
    y: np.ndarray,
    ax: plt.Axes | None = None,
    resolution: int = 200,
) -> plt.Axes:
    """Shades the regions where `predict` (points -> class ids) assigns each class.

    Args:
        predict: maps an array of 2-D points of shape (n, 2) to n class ids.
        x: points to scatter on top, shape (n, 2).
        y: their labels, shape (n,).
        ax: axes to draw on; a new figure if None.
        resolution: grid points per axis.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 4))
    low, high = x.min(axis=0) - 0.5, x.max(axis=0) + 0.5
    grid_x, grid_y = np.meshgrid(
        np.linspace(low[0], high[0], resolution), np.linspace(low[1], high[1], resolution)
    )
    grid = np.column_stack([grid_x.ravel(), grid_y.ravel()])
    regions = np.asarray(predict(grid)).reshape(grid_x.shape).astype(float)
    ax.contourf(grid_x, grid_y, regions, alpha=0.25, cmap="coolwarm")
    ax.scatter(x[:, 0], x[:, 1], c=y, s=8, cmap="coolwarm", edgecolors="none")
    ax.set(xlabel="$x_1$", ylabel="$x_2$", title="decision boundary")
    return ax


def plot_curves(curves: dict[str, list[float]], ax: plt.Axes | None = None, **labels) -> plt.Axes:
    """Plots named curves (loss per step, accuracy per epoch...) on one set of axes."""
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.5))
    for name, values in curves.items():
        ax.plot(np.arange(1, len(values) + 1), values, label=name)
    ax.legend()
    ax.set(**labels)
    return ax
