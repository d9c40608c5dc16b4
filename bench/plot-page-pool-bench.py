#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Plot page-pool-bench's CSV: alloc+free latency by buffer size, pool off vs
on, one panel per mode. Solid lines are medians; dashed lines the mean time
per buffer (wall time / samples), which shows what a mix of pool hits and
misses costs where the median is a hit; warm mode has none, its wall time
being mostly the idle waits.

    plot-page-pool-bench.py CSV PNG
"""
import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

MODES = ("tight", "warm", "burst")
COLOURS = {"off": "tab:blue", "on": "tab:orange"}


def size_label(n):
    return f"{n // (1 << 20)} MiB" if n >= 1 << 20 else f"{n // 1024} KiB"


def main(csv_path, png_path):
    with open(csv_path, newline="") as f:
        rows = list(csv.DictReader(f))
    cell = {(r["mode"], int(r["size_bytes"]), r["pool"]): r for r in rows}
    fig, axes = plt.subplots(1, len(MODES), figsize=(13, 4.8), sharey=True)
    for ax, mode in zip(axes, MODES):
        sizes = sorted({s for (m, s, _) in cell if m == mode})
        x = range(len(sizes))
        for pool in ("off", "on"):
            median = [float(cell[mode, s, pool]["median_ns"]) / 1e3 for s in sizes]
            mean = [1e6 / float(cell[mode, s, pool]["ops_per_s"]) for s in sizes]
            ax.plot(x, median, "o-", color=COLOURS[pool], label=f"pool {pool}, median")
            if mode != "warm":
                ax.plot(x, mean, "--", color=COLOURS[pool], alpha=0.6,
                        label=f"pool {pool}, mean")
        for i, s in enumerate(sizes):
            off = float(cell[mode, s, "off"]["median_ns"])
            on = float(cell[mode, s, "on"]["median_ns"])
            ax.annotate(f"{on / off:.2f}x", (i, on / 1e3), textcoords="offset points",
                        xytext=(12, -12), fontsize=8)
        ax.set_xticks(list(x), [size_label(s) for s in sizes])
        ax.set_yscale("log")
        ax.set_title(mode)
        ax.set_xlabel("buffer size")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel("alloc+free latency per buffer (us, log)")
    axes[0].legend(fontsize=8)
    fig.suptitle("dmaheap system heap, page pool off vs on (TCG guest, 2 vCPUs, stock 6.1 "
                 "kernel); labels: median on/off")
    fig.tight_layout()
    fig.savefig(png_path, dpi=110)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
