#!/usr/bin/python3
"""Table and plot of bench/run-kernel-compare: the kernel's own heaps
beside dmaheap's on one kernel, in one boot.

usage: plot-kernel-compare.py KERNEL BENCH.json POOL.csv OUT.csv OUT.png

BENCH.json: `dmaheap bench --json`, dmaheap's pool off (prints the table of
every heap's alloc+free bandwidth over memset). POOL.csv: page-pool-bench
--against system (variants off, on, kernel). OUT.csv: both, as ratios.
"""
import csv
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def size_name(size):
    return "%d KiB" % (size // 1024) if size < 1 << 20 else "%d MiB" % (size >> 20)


def main():
    kernel, bench_json, pool_csv, out_csv, png = sys.argv[1:6]
    with open(bench_json) as f:
        bench = [r for r in json.load(f)["results"] if "vs_memset" in r]
    with open(pool_csv) as f:
        pool = list(csv.DictReader(f))
    sizes = sorted({r["size"] for r in bench})
    heaps = [h for h in dict.fromkeys(r["heap"] for r in bench) if h != "memset"]

    print("== dmaheap bench, dmaheap's pool off: alloc+free bandwidth / memset")
    print("%-10s" % "size" + "".join("%20s" % h for h in heaps))
    for s in sizes:
        row = {r["heap"]: r["vs_memset"] for r in bench if r["size"] == s}
        print("%-10s" % size_name(s) + "".join("%19.2fx" % row.get(h, 0) for h in heaps))
    ours = [h for h in heaps if h not in ("system", "default_cma_region", "reserved")]
    if ours and "system" in heaps:
        worst = min(
            next(r["vs_memset"] for r in bench if r["heap"] == ours[0] and r["size"] == s)
            / next(r["vs_memset"] for r in bench if r["heap"] == "system" and r["size"] == s)
            for s in sizes)
        print("%s unpooled over the kernel's system heap: worst %.2fx" % (ours[0], worst))

    def pick(mode, size, variant, key):
        for r in pool:
            if r["mode"] == mode and int(r["size_bytes"]) == size and r["pool"] == variant:
                return float(r[key])
        return float("nan")

    psizes = sorted({int(r["size_bytes"]) for r in pool})
    with open(out_csv, "w") as f:
        f.write("source,mode,size_bytes,what,value\n")
        for r in bench:
            f.write("dmaheap-bench,tight,%d,%s/memset,%.3f\n" % (r["size"], r["heap"], r["vs_memset"]))
        for mode in ("tight", "warm", "burst"):
            for s in psizes:
                for v in ("off", "on"):
                    f.write("page-pool-bench,%s,%d,throughput %s/kernel,%.3f\n" % (
                        mode, s, v, pick(mode, s, v, "ops_per_s") / pick(mode, s, "kernel", "ops_per_s")))
                    f.write("page-pool-bench,%s,%d,latency %s/kernel,%.3f\n" % (
                        mode, s, v, pick(mode, s, v, "median_ns") / pick(mode, s, "kernel", "median_ns")))

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.2))
    xs = range(len(psizes))
    for i, (v, label) in enumerate((("off", "dmaheap, pool off"), ("on", "dmaheap, pool on"))):
        tight = [pick("tight", s, v, "ops_per_s") / pick("tight", s, "kernel", "ops_per_s") for s in psizes]
        warm = [pick("warm", s, v, "median_ns") / pick("warm", s, "kernel", "median_ns") for s in psizes]
        bars = left.bar([x + (i - 0.5) * 0.38 for x in xs], tight, 0.38, label=label)
        left.bar_label(bars, fmt="%.2f", fontsize=7, padding=1)
        bars = right.bar([x + (i - 0.5) * 0.38 for x in xs], warm, 0.38, label=label)
        right.bar_label(bars, fmt="%.2f", fontsize=7, padding=1)
    for ax in (left, right):
        ax.axhline(1.0, color="grey", linewidth=0.8, linestyle="--")
        ax.set_xticks(list(xs))
        ax.set_xticklabels([size_name(s) for s in psizes])
        ax.legend(fontsize=8)
    left.set_title("tight loop throughput / kernel's system heap\n(higher is better)", fontsize=10)
    right.set_title("warm allocation latency / kernel's system heap\n(lower is better, log scale)", fontsize=10)
    right.set_yscale("log")
    fig.suptitle("dmaheap's system heap against the %s kernel's own, one boot" % kernel, fontsize=11)
    fig.tight_layout()
    fig.savefig(png, dpi=110)


if __name__ == "__main__":
    main()
