#!/usr/bin/env python3
"""numpy/h5py reference for the dark benchmark: per-cell sum / sum of squares over a raw run.

The same statistics detcal's `dark` computes (mean and std per memory cell and pixel, float64
accumulators; for AGIPD's frame-analog-digital axes of BOTH the analog and the digital value, as
detcal's DigitalMean / DigitalStd need them), written the way a facility script would: h5py reads
blocks of frames, numpy accumulates with np.add.at-free per-cell loops. Prints one JSON line: MB/s
of raw data, frames/s, peak RSS.

Files in the same directory form one run (statistics per run, like detcal per gain stage).

usage: numpy_dark.py DATASET_PATH FILE [FILE ...] [--block 64] [--axes frame|frame-analog-digital|train-cell]
"""
import argparse, json, os, resource, sys, time

import h5py
import numpy as np


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dataset")
    ap.add_argument("files", nargs="+")
    ap.add_argument("--cell-dataset", default=None, help="per-frame cell id dataset (frame axes)")
    ap.add_argument("--axes", default="frame", choices=["frame", "frame-analog-digital", "train-cell"])
    ap.add_argument("--block", type=int, default=64)
    a = ap.parse_args()

    t0 = time.perf_counter()
    nbytes = 0
    nframes = 0
    # One set of statistics per run (the files of one run directory), as detcal characterizes each
    # gain-stage run on its own; a run's sums are released once its mean / std are computed.
    runs = {}
    for path in a.files:
        runs.setdefault(os.path.dirname(os.path.abspath(path)), []).append(path)
    summary = []
    for files in runs.values():
        sums = sumsq = counts = None
        for path in files:
            with h5py.File(path, "r") as f:
                ds = f[a.dataset]
                cells_ds = f[a.cell_dataset] if a.cell_dataset else None
                n = ds.shape[0]
                for s in range(0, n, a.block):
                    e = min(n, s + a.block)
                    block = ds[s:e]
                    nbytes += block.nbytes
                    # frame-analog-digital: block is (frames, 2, rows, cols); the per-cell sums below
                    # cover analog (index 0) and digital (index 1) values in the same vectorised pass.
                    if a.axes == "train-cell":
                        ncell = block.shape[1]
                        frames = block.astype(np.float64)  # (trains, cells, r, c)
                        if sums is None:
                            sums = np.zeros(frames.shape[1:]); sumsq = np.zeros(frames.shape[1:]); counts = np.zeros(ncell)
                        sums += frames.sum(axis=0)
                        sumsq += (frames * frames).sum(axis=0)
                        counts += frames.shape[0]
                        nframes += frames.shape[0] * ncell
                        continue
                    cells = cells_ds[s:e].reshape(-1).astype(np.int64) if cells_ds is not None else np.zeros(e - s, np.int64)
                    frames = block.astype(np.float64)
                    if sums is None:
                        ncell = int(cells.max()) + 1 if cells_ds is None else int(cells_ds[:].max()) + 1
                        sums = np.zeros((ncell,) + frames.shape[1:]); sumsq = np.zeros_like(sums); counts = np.zeros(ncell)
                    for c in np.unique(cells):
                        sel = frames[cells == c]
                        sums[c] += sel.sum(axis=0)
                        sumsq[c] += (sel * sel).sum(axis=0)
                        counts[c] += sel.shape[0]
                    nframes += e - s
        shape = (-1,) + (1,) * (sums.ndim - 1)
        mean = sums / counts.reshape(shape)
        std = np.sqrt(np.maximum(sumsq / counts.reshape(shape) - mean * mean, 0))
        del sums, sumsq
        if a.axes == "frame-analog-digital":
            summary.append({"meanOfMean": float(np.nanmean(mean[:, 0])), "meanOfStd": float(np.nanmean(std[:, 0])),
                            "meanOfDigitalMean": float(np.nanmean(mean[:, 1])), "meanOfDigitalStd": float(np.nanmean(std[:, 1]))})
        else:
            summary.append({"meanOfMean": float(np.nanmean(mean)), "meanOfStd": float(np.nanmean(std))})
    dt = time.perf_counter() - t0
    print(json.dumps({
        "impl": "numpy", "frames": nframes, "bytes": nbytes, "seconds": round(dt, 3),
        "MBps": round(nbytes / 1e6 / dt, 1), "framesPerSecond": round(nframes / dt, 1),
        "peakRssMB": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "runs": summary,
    }))

if __name__ == "__main__":
    sys.exit(main())
