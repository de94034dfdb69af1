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


def parquet_bytes(table) -> bytes:
    """A pyarrow Table as parquet bytes, deterministically (same table -> same bytes; the same
    bytes :func:`write_parquet` writes)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    buf = pa.BufferOutputStream()
    pq.write_table(table, buf, compression="zstd", write_statistics=True)
    return buf.getvalue().to_pybytes()


def write_parquet(table, path: Path) -> None:
    """Write a pyarrow Table deterministically (same table -> same bytes)."""
    data = parquet_bytes(table)
    atomic_write(path, lambda tmp: Path(tmp).write_bytes(data))


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


def safe_component(name: str, default: str = "scenario") -> str:
    """``name`` as one safe path component: letters, digits, ``.``, ``_`` and ``-`` kept, every
    other run of characters (``/``, spaces, ``..``) made one ``_``, no leading dot."""
    import re

    safe = re.sub(r"\.{2,}", "_", str(name))
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", safe)
    safe = re.sub(r"_+", "_", safe).strip("_").lstrip(".")
    return safe or default


def writable_dir(path: str | Path, flag: str = "--out") -> Path:
    """``path`` as a directory this process can write into (created if missing), checked before
    any work; ValueError naming ``flag`` and the reason otherwise."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".alliances-write-check-", dir=path)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        if isinstance(exc, FileExistsError) or (path.exists() and not path.is_dir()):
            reason = "it is a file, not a directory"
        elif isinstance(exc, NotADirectoryError):
            reason = "a part of the path is a file, not a directory"
        raise ValueError(f"{flag} {path}: cannot write there ({reason})") from None
    return path


#: the files ``alliances run`` writes into its folder (``run.json`` marks the folder as a run's)
RUN_MARKER = "run.json"
RUN_FILE_SUFFIXES = (".parquet", ".png", ".json", ".toml")


def clean_run_dir(path: str | Path, force: bool = False, flag: str = "--out") -> Path:
    """``path`` made ready for a run's files: writable, and empty, or holding a previous run
    whose files are removed when ``force`` (ValueError otherwise, and for a folder holding
    anything that is not a run's file)."""
    path = writable_dir(path, flag)
    entries = sorted(p for p in path.iterdir())
    if not entries:
        return path
    foreign = [p.name for p in entries
               if not (p.is_file() and (p.suffix in RUN_FILE_SUFFIXES or p.name.endswith(".tmp")))]
    if foreign or not (path / RUN_MARKER).is_file():
        shown = ", ".join((foreign or [p.name for p in entries])[:3])
        raise ValueError(f"{flag} {path}: holds files that are not a run's ({shown}); give an empty or new {flag}")
    if not force:
        raise ValueError(f"{flag} {path}: holds a previous run ({RUN_MARKER} and {len(entries) - 1} other files);"
                         f" pass --force to replace it, or give another {flag}")
    for p in entries:
        p.unlink()
    return path
