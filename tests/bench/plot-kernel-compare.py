#!/usr/bin/python3
"""Plot `dmaheap bench` results of tests/bench/run-kernel-compare: allocation
bandwidth as a fraction of memset, per heap and size, the kernel's own heaps
beside dmaheap's with its pool off and on. Also writes the numbers as CSV.

usage: plot-kernel-compare.py KERNEL BENCH-OFF.json BENCH-ON.json OUT.csv OUT.png
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def load(path, suffix):
    with open(path) as f:
        rows = json.load(f)["results"]
    return [dict(r, heap=r["heap"] + suffix) for r in rows if "vs_memset" in r]


def main():
    kernel, off, on, csv_path, png = sys.argv[1:6]
    rows = load(off, "") + [r for r in load(on, " (pool on)") if r["heap"] != "memset (pool on)"]
    sizes = sorted({r["size"] for r in rows})
    heaps = []
    for r in rows:
        if r["heap"] != "memset" and r["heap"] not in heaps:
            heaps.append(r["heap"])
    with open(csv_path, "w") as f:
        f.write("heap,size_bytes,median_ns,vs_memset\n")
        for r in rows:
            f.write("%s,%d,%d,%.3f\n" % (r["heap"], r["size"], r["median_ns"], r["vs_memset"]))

    fig, ax = plt.subplots(figsize=(8, 4.2))
    width = 0.8 / max(1, len(heaps))
    for i, heap in enumerate(heaps):
        values = []
        for s in sizes:
            match = [r["vs_memset"] for r in rows if r["heap"] == heap and r["size"] == s]
            values.append(match[0] if match else 0)
        xs = [j + (i - (len(heaps) - 1) / 2) * width for j in range(len(sizes))]
        bars = ax.bar(xs, values, width, label=heap)
        ax.bar_label(bars, fmt="%.2f", fontsize=7, padding=1)
    ax.axhline(1.0, color="grey", linewidth=0.8, linestyle="--")
    ax.set_xticks(range(len(sizes)))
    ax.set_xticklabels(["%d KiB" % (s // 1024) if s < 1 << 20 else "%d MiB" % (s >> 20) for s in sizes])
    ax.set_ylabel("alloc+free bandwidth / memset (higher is better)")
    ax.set_title("Heaps on the %s kernel: tight alloc+free loop, one boot" % kernel)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(png, dpi=110)


if __name__ == "__main__":
    main()
