"""Figures people would rather look at than read: sample grids and loss curves."""


import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def _save(fig, path):
    from deepcolor.files import atomic_path
    with atomic_path(path, suffix=".png") as tmp:
        fig.savefig(tmp, dpi=100, bbox_inches="tight")
    plt.close(fig)


def sample_grid(columns, path, titles=("gray input", "colorized", "ground truth"), labels=None):
    """columns: one list of uint8 HxWx3 images per column title; one row per sample."""
    rows = len(columns[0])
    fig, axes = plt.subplots(rows, len(columns), figsize=(2.4 * len(columns), 2.4 * rows), squeeze=False)
    for r in range(rows):
        for c, column in enumerate(columns):
            ax = axes[r][c]
            ax.imshow(np.asarray(column[r]))
            ax.set_xticks([]), ax.set_yticks([])
            if r == 0:
                ax.set_title(titles[c], fontsize=10)
            if c == 0 and labels:
                ax.set_ylabel(labels[r], fontsize=7)
    _save(fig, path)


def loss_curves(history, path, title="training"):
    """history: rows with epoch, loss and (optionally) val_loss."""
    epochs = [row["epoch"] for row in history]
    fig, ax = plt.subplots(figsize=(5, 3.4))
    ax.plot(epochs, [row["loss"] for row in history], "o-", label="train loss")
    if any("val_loss" in row for row in history):
        ax.plot(epochs, [row.get("val_loss", np.nan) for row in history], "s-", label="val loss")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend()
    _save(fig, path)


def comparison_grid(rows, path, max_width=16.0):
    """rows: [(label, uint8 images [N, H, W, 3])], one figure row each, the same N photos as columns."""
    count = len(rows[0][1])
    cell = min(1.6, max_width / max(count, 1))
    fig, axes = plt.subplots(len(rows), count, figsize=(cell * count + 1.6, cell * len(rows)), squeeze=False)
    for r, (label, images) in enumerate(rows):
        for c in range(count):
            ax = axes[r][c]
            ax.imshow(np.asarray(images[c]))
            ax.set_xticks([]), ax.set_yticks([])
            if c == 0:
                ax.set_ylabel(label, fontsize=7, rotation=0, ha="right", va="center")
    fig.subplots_adjust(left=0.2, wspace=0.03, hspace=0.05)
    _save(fig, path)
