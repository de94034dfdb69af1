"""The shared helpers of scenarios/: atomic file writing, the figure saver, the process fan-out."""

from __future__ import annotations

import os
import struct

import pytest

from scenarios.output.files import atomic_write, save_figure
from scenarios.run.pool import map_in_processes


def _pid_and_square(x):
    return os.getpid(), x * x


def _png_size(path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])  # IHDR: width, height


@pytest.mark.parametrize("dpi", [110, 150])
def test_save_figure_writes_a_png_at_its_dpi_and_closes_the_figure(tmp_path, dpi):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4, 2.5))
    ax.plot([0, 1], [0, 1])
    path = save_figure(fig, tmp_path / "sub" / "f.png", dpi)
    assert path == tmp_path / "sub" / "f.png"
    assert _png_size(path) == (4 * dpi, int(2.5 * dpi))
    assert not plt.fignum_exists(fig.number)
    assert [p.name for p in path.parent.iterdir()] == ["f.png"]  # no temp file left


def test_atomic_write_keeps_the_old_file_when_the_writer_fails(tmp_path):
    target = tmp_path / "t.txt"
    target.write_text("old")

    def half_then_fail(tmp):
        with open(tmp, "w") as f:
            f.write("half")
        raise RuntimeError("writer died")

    with pytest.raises(RuntimeError):
        atomic_write(target, half_then_fail)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["t.txt"]


def test_map_in_processes_keeps_the_order_and_uses_other_processes_only_when_asked():
    jobs = list(range(7))
    here = map_in_processes(_pid_and_square, jobs, workers=1)
    assert [sq for _, sq in here] == [x * x for x in jobs]
    assert {pid for pid, _ in here} == {os.getpid()}
    there = map_in_processes(_pid_and_square, jobs, workers=2)
    assert [sq for _, sq in there] == [x * x for x in jobs]
    assert os.getpid() not in {pid for pid, _ in there}
    assert map_in_processes(_pid_and_square, [3], workers=2) == [(os.getpid(), 9)]  # one job: no pool
