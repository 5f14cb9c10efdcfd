#!/usr/bin/env python3
"""numpy/h5py reference of the AGIPD correction `detcal correct agipd` does, with the write path.

Per sequence file: h5py reads blocks of frames (analog + digital), the gain stage comes from the
digital value against ThresholdsDark with force-mg/hg-if-below (1000 ADU), the stage's offset is
subtracted, the per-ASIC common mode (dark fraction 0.15, range [-30, 30], 4 iterations, high-gain
good pixels) removed, bad pixels set to NaN, and data (f4) / mask (u4, gzip 1) / gain (u1, gzip 1)
written with h5py: the EuXFEL corrected layout. Vectorised numpy throughout, as a facility script
would be written. Prints one JSON line: MB/s of raw data, frames/s, peak RSS.

usage: numpy_correct.py DARK.h5 OUTDIR RAW.h5 [RAW.h5 ...] [--block 32]
"""
import argparse, json, os, resource, time

import h5py
import numpy as np

SRC = "INSTRUMENT/SPB_DET_AGIPD1M-1/DET/0CH0:xtdf/image"
OUT = "INSTRUMENT/SPB_DET_AGIPD1M-1/CORR/0CH0:output/image"


def common_mode(v, g, m, lo=-30.0, hi=30.0, frac=0.15, itr=4):
    n = v.shape[0]
    a = v.reshape(n, 8, 64, 2, 64)
    use = ((g == 0) & (m == 0)).reshape(n, 8, 64, 2, 64)
    for _ in range(itr):
        dark = use & (a > lo) & (a < hi)
        cnt = dark.sum(axis=(2, 4))
        s = np.where(dark, a, 0).sum(axis=(2, 4))
        cm = np.where(cnt >= frac * 64 * 64, s / np.maximum(cnt, 1), 0).astype(np.float32)
        a -= np.where(use, cm[:, :, None, :, None], 0)
    return a.reshape(n, 512, 128)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dark")
    ap.add_argument("outdir")
    ap.add_argument("files", nargs="+")
    ap.add_argument("--block", type=int, default=32)
    a = ap.parse_args()
    with h5py.File(a.dark, "r") as d:
        off = d["Offset"][()].astype(np.float32)  # (3, cells, 512, 128)
        thr = d["ThresholdsDark"][()].astype(np.float32)  # (2, cells, 512, 128)
        bad = d["BadPixelsDark"][()].astype(np.uint32)  # (3, cells, 512, 128)
    os.makedirs(a.outdir, exist_ok=True)
    t0 = time.perf_counter()
    nbytes = 0
    nframes = 0
    rows = np.arange(512)[None, :, None]
    cols = np.arange(128)[None, None, :]
    for path in a.files:
        out = os.path.join(a.outdir, os.path.basename(path).replace("RAW-", "NPCORR-"))
        with h5py.File(path, "r") as f, h5py.File(out, "w") as o:
            raw = f[SRC + "/data"]
            cells_all = f[SRC + "/cellId"][()].reshape(-1).astype(np.intp)
            n = raw.shape[0]
            dd = o.create_dataset(OUT + "/data", (n, 512, 128), np.float32, chunks=(min(16, n), 512, 128))
            dm = o.create_dataset(OUT + "/mask", (n, 512, 128), np.uint32, chunks=(min(16, n), 512, 128), compression="gzip", compression_opts=1)
            dg = o.create_dataset(OUT + "/gain", (n, 512, 128), np.uint8, chunks=(min(32, n), 512, 128), compression="gzip", compression_opts=1)
            for s in range(0, n, a.block):
                e = min(n, s + a.block)
                block = raw[s:e]
                nbytes += block.nbytes
                analog = block[:, 0].astype(np.float32)
                digital = block[:, 1].astype(np.float32)
                c = cells_all[s:e][:, None, None]
                g = np.where(digital > thr[0, c, rows, cols], np.where(digital > thr[1, c, rows, cols], 2, 1), 0).astype(np.uint8)
                g[(g == 2) & (analog - off[1, c, rows, cols] < 1000)] = 1
                g[(g > 0) & (analog - off[0, c, rows, cols] < 1000)] = 0
                v = analog - off[g, c, rows, cols]
                m = bad[g, c, rows, cols]
                v = common_mode(v, g, m)
                v[m != 0] = np.nan
                dd[s:e] = v
                dm[s:e] = m
                dg[s:e] = g
            nframes += n
    sec = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": sec, "bytes": nbytes, "MBps": nbytes / 1e6 / sec, "framesPerSecond": nframes / sec, "peakRssMB": rss}))


if __name__ == "__main__":
    main()
