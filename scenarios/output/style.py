"""The plotting back end and style every output figure is drawn with."""

from __future__ import annotations


def pyplot():
    """``matplotlib.pyplot`` on the non-interactive Agg back end (files only, no window)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def seaborn_pyplot():
    """(pyplot, seaborn) with seaborn's white-grid notebook theme: the run, sweep and paper figures."""
    import seaborn as sns

    plt = pyplot()
    sns.set_theme(style="whitegrid", context="notebook")
    return plt, sns
