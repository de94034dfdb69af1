"""Writing output files atomically: a temp file beside the target, then a rename.

A reader (or a killed process) never sees half a file: the target is either the
old file or the complete new one.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: Path, write) -> None:
    """Call ``write(tmp_path)`` on a temp file beside ``path``, then rename it onto ``path``."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_parquet(table, path: Path) -> None:
    """Write a pyarrow Table deterministically (same table -> same bytes)."""
    import pyarrow.parquet as pq

    atomic_write(path, lambda tmp: pq.write_table(table, tmp, compression="zstd", write_statistics=True))


def save_figure(fig, path: str | Path, dpi: int, bbox_inches: str | None = None) -> Path:
    """Write a matplotlib figure to ``path`` as PNG at ``dpi`` (atomically, creating the
    folder) and close it; ``bbox_inches="tight"`` crops the canvas to what is drawn."""
    import matplotlib.pyplot as plt

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=dpi, bbox_inches=bbox_inches, format="png"))
    finally:
        plt.close(fig)
    return path
