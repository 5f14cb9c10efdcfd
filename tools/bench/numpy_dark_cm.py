#!/usr/bin/env python3
"""numpy/h5py reference of detcal's European XFEL single-gain dark (ePix100, pnCCD): the same statistics.

numpy_dark.py times one pass of per-cell sum / sum of squares; `detcal dark epix100|pnccd` does more,
and this script does the same as detcal, pass for pass, written the way a facility script would
(h5py reads blocks of frames, numpy works on whole blocks, np.partition medians over the readout groups):

  pass 1      Offset, Noise = mean, std (ddof 0) over the non-empty frames (float64 sums);
              bad-pixel map 1 from Offset and Noise.
  CM passes   value - Offset (float32), per frame and readout group (a row of one ASIC: ePix100 384 px,
              pnCCD 512 px) the median of the good pixels (not flagged in the previous map, not dead)
              is the common mode, subtracted from every pixel that responds (pass-1 Noise > 0) when the
              group has more than cm_min_pixels good pixels; NoiseCM = std of the corrected values.
    ePix100   cm_iterations (2) passes, each masking the previous map's bad pixels from the medians,
              each followed by a map from Offset and NoiseCM (per ASIC).
    pnCCD     pass 2 as above (map 2); pass 3 masks map 2 from the medians and leaves out cosmic-ray
              hits: corrected values above sigma_cosmic x (pass-2 NoiseCM without the pixel's largest
              value); Offset, Noise (raw values) and NoiseCM without the hits, map 3.
  maps        EuXFEL rules: NO_DARK_DATA where nothing was accumulated; offset and noise outside
              median +- n_sigma x std of the finite values (ePix100: per ASIC, pnCCD: whole module)
              or outside the hard range; NaN -> OFFSET_NOISE_EVAL_ERROR; Noise 0 -> DATA_STD_IS_ZERO.

Defaults are detcal's (plugins/plugin-epix100/src/dark-parameters.ts, plugins/plugin-pnccd/src/dark-parameters.ts).
Precision as detcal: corrected values float32, medians and sums float64 (a median of an even count is
the float64 mean of the two middle values, as np.median of the values in float64).

Prints one JSON line (seconds, MB/s of raw data read once, frames/s, peak RSS, passes). --out writes
Offset / Noise / NoiseCM / BadPixelsDark as (1, 1, rows, cols) datasets; --compare FILE (a detcal
constants file of the same run) adds, after the timing, the largest differences per constant.

usage: numpy_dark_cm.py {epix100,pnccd} DATASET FILE [FILE ...] [--block 4] [--median sort|partition] [--out F.h5] [--compare detcal.h5]
"""
import argparse, json, resource, sys, time

import h5py
import numpy as np

# BadPixels bits (packages/core/src/bad-pixels.ts)
OFFSET_OUT_OF_THRESHOLD, NOISE_OUT_OF_THRESHOLD, OFFSET_NOISE_EVAL_ERROR, NO_DARK_DATA, DATA_STD_IS_ZERO = 1, 2, 4, 8, 1 << 14

DETECTORS = {
    # asic: rows x cols of an ASIC (sigma-rule tiles for ePix100, readout-row length = asic cols)
    "epix100": dict(rows=708, cols=768, asic=(354, 384), tiles=True, offset_sigma=5.0, offset_hard=None,
                    noise_sigma=5.0, noise_hard=None, cm_iterations=2, cm_min_pixels=10),
    "pnccd": dict(rows=1024, cols=1024, asic=(512, 512), tiles=False, offset_sigma=5.0, offset_hard=(1000.0, 100000.0),
                  noise_sigma=5.0, noise_hard=(0.001, 3000.0), sigma_cosmic=10.0, cm_min_pixels=10),
}


class Reader:
    """Blocks of non-empty frames of the run (frames whose values are all zero are skipped, as detcal)."""

    def __init__(self, files, dataset, block):
        self.files, self.dataset, self.block = files, dataset, block
        self.bytes = self.frames = self.empty = 0

    def __iter__(self):
        self.bytes = self.frames = self.empty = 0
        for path in self.files:
            with h5py.File(path, "r") as f:
                ds = f[self.dataset]
                for s in range(0, ds.shape[0], self.block):
                    b = ds[s:s + self.block]
                    self.bytes += b.nbytes
                    b = b.reshape(b.shape[0], -1)
                    keep = b.any(axis=1)
                    if not keep.all():
                        self.empty += int((~keep).sum())
                        b = b[keep]
                    if len(b):
                        self.frames += len(b)
                        yield b


class Moments:
    """Float64 sums of (x - shift) and (x - shift)^2 per pixel, with an optional per-value exclusion."""

    def __init__(self, n_pixels, shift=None):
        self.shift = shift
        self.count = np.zeros(n_pixels, np.int64)
        self.s1 = np.zeros(n_pixels)
        self.s2 = np.zeros(n_pixels)

    def add(self, values, exclude=None):
        if self.shift is None:
            self.shift = values[0].astype(np.float64)
        d = values - self.shift  # float64
        if exclude is not None:
            d[exclude] = 0
            self.count += values.shape[0] - exclude.sum(axis=0)
        else:
            self.count += values.shape[0]
        self.s1 += d.sum(axis=0)
        self.s2 += np.einsum("fp,fp->p", d, d)

    def mean_std(self):
        """Mean and std (ddof 0) as float32, NaN where nothing was accumulated."""
        with np.errstate(invalid="ignore", divide="ignore"):
            n = self.count.astype(np.float64)
            m = self.s1 / n
            var = (self.s2 - self.s1 * m) / n
            std = np.sqrt(np.where(var > 0, var, 0))
            std[self.count == 0] = np.nan
            return (self.shift + m).astype(np.float32), std.astype(np.float32)


def sigma_rule(values, flags, n_sigma, hard, bit, tiles):
    """EuXFEL n-sigma rule per tile (median and std of the finite values), hard range; OR-s bits into flags."""
    v = values.astype(np.float64)
    for r0, r1, c0, c1 in tiles:
        t = v[r0:r1, c0:c1]
        fin = np.isfinite(t)
        x = t[fin]
        med, sd = (np.median(x), x.std()) if x.size else (np.nan, np.nan)
        with np.errstate(invalid="ignore"):
            out = (t < med - n_sigma * sd) | (t > med + n_sigma * sd)
            if hard is not None:
                out |= (t < hard[0]) | (t > hard[1])
        f = flags[r0:r1, c0:c1]
        f |= np.where(fin & out, bit, 0).astype(np.uint32)
        f |= np.where(~fin, OFFSET_NOISE_EVAL_ERROR, 0).astype(np.uint32)


def bad_pixels(det, offset, noise, count):
    rows, cols = det["rows"], det["cols"]
    ar, ac = det["asic"]
    tiles = [(r, r + ar, c, c + ac) for r in range(0, rows, ar) for c in range(0, cols, ac)] if det["tiles"] else [(0, rows, 0, cols)]
    flags = np.where(count.reshape(rows, cols) == 0, NO_DARK_DATA, 0).astype(np.uint32)
    sigma_rule(offset.reshape(rows, cols), flags, det["offset_sigma"], det["offset_hard"], OFFSET_OUT_OF_THRESHOLD, tiles)
    sigma_rule(noise.reshape(rows, cols), flags, det["noise_sigma"], det["noise_hard"], NOISE_OUT_OF_THRESHOLD, tiles)
    flags[noise.reshape(rows, cols) == 0] |= DATA_STD_IS_ZERO
    return flags.reshape(-1)


class RowGroups:
    """Readout groups = rows of one ASIC (length L) and how many good pixels each has.

    medians(): 'sort' (default) sorts each group with the good pixels first (others set to +inf) and
    averages the two middle good values: np.nanmedian's result, and the fastest vectorised numpy median
    measured here (np.sort of float32 uses AVX-512 where the CPU has it). 'partition': np.partition
    (what np.median does) over the groups of each good-pixel count; same values, ~3x slower here.
    """

    def __init__(self, rows, cols, length, mask, min_pixels, method):
        self.shape = (rows, cols // length, length)
        self.method = method
        self.mask = mask
        good = ~mask.reshape(-1, length)  # (groups, L)
        n = good.sum(axis=1)
        self.n_groups = good.shape[0]
        self.skipped = n <= min_pixels
        # sort: indices of the two middle good values of each group after sorting (0 for skipped groups)
        self.lo = np.where(self.skipped, 0, (n - 1) // 2)[None, :, None]
        self.hi = np.where(self.skipped, 0, n // 2)[None, :, None]
        # partition: per good-pixel count, the groups and the flat indices of their good pixels
        base = np.arange(self.n_groups)[:, None] * length
        self.buckets = []
        for k in np.unique(n[~self.skipped]):
            g = np.nonzero(n == k)[0]
            idx = (base[g] + np.nonzero(good[g])[1].reshape(len(g), k)).astype(np.intp)
            self.buckets.append((g, idx, int(k)))

    def medians(self, d):
        """Common mode (frames, groups), float64, of offset-subtracted frames d (frames, pixels); 0 where a group is skipped."""
        f = d.shape[0]
        if self.method == "sort":
            v = np.where(self.mask, np.float32(np.inf), d).reshape(f, self.n_groups, -1)
            v.sort(axis=-1)
            lo = np.take_along_axis(v, np.broadcast_to(self.lo, (f, self.n_groups, 1)), -1)[..., 0]
            hi = np.take_along_axis(v, np.broadcast_to(self.hi, (f, self.n_groups, 1)), -1)[..., 0]
            cm = (lo.astype(np.float64) + hi) / 2
            cm[:, self.skipped] = 0
            return cm
        cm = np.zeros((f, self.n_groups))
        for g, idx, k in self.buckets:
            v = d[:, idx]  # (frames, groups of this count, k), float32
            h = k // 2
            if k % 2:
                cm[:, g] = np.partition(v, h, axis=-1)[..., h]
            else:
                p = np.partition(v, (h - 1, h), axis=-1)
                cm[:, g] = (p[..., h - 1].astype(np.float64) + p[..., h]) / 2
        return cm


def cm_pass(reader, det, offset, median_mask, frozen, length, threshold=None, track_max=False, raw=False, median="sort"):
    """One common-mode pass: Moments of the corrected values (and of the raw ones), max, hits."""
    rows, cols = det["rows"], det["cols"]
    npix = rows * cols
    groups = RowGroups(rows, cols, length, median_mask | frozen, det["cm_min_pixels"], median)
    frozen_idx = np.nonzero(frozen)[0]
    corr = Moments(npix, shift=np.zeros(npix))
    raw_m = Moments(npix, shift=offset.astype(np.float64)) if raw else None
    mx = np.full(npix, -np.inf, np.float32) if track_max else None
    hits = dict(values=0, frames=0, pixels=np.zeros(npix, bool))
    for b in reader:
        d = b - offset  # float32
        cm = groups.medians(d)  # float64
        # float32(d - cm) as detcal (float64 difference rounded once)
        c = (d.reshape((-1,) + groups.shape) - cm.reshape((-1,) + groups.shape[:2] + (1,))).astype(np.float32).reshape(-1, npix)
        c[:, frozen_idx] = d[:, frozen_idx]  # dead pixels: not corrected
        if mx is not None:
            np.maximum(mx, c.max(axis=0), out=mx)
        exclude = None
        if threshold is not None:
            exclude = c > threshold
            n = int(exclude.sum())
            hits["values"] += n
            hits["frames"] += int(exclude.any(axis=1).sum())
            hits["pixels"] |= exclude.any(axis=0)
        corr.add(c.astype(np.float64), exclude)
        if raw_m is not None:
            raw_m.add(b.astype(np.float64), exclude)
    return corr, raw_m, mx, hits


def std_without_max(mean, std, count, mx):
    """Std (ddof 0) of each pixel's values without its largest one (detcal stdWithoutMax)."""
    m, s, x = mean.astype(np.float64), std.astype(np.float64), mx.astype(np.float64)
    n = count.astype(np.float64)
    d = x - m
    k = n - 1
    with np.errstate(invalid="ignore", divide="ignore"):
        v = (n * s * s - d * d) / k - (d / k) ** 2
        out = np.where(v > 0, np.sqrt(np.where(v > 0, v, 0)), 0)
    keep = (count < 3) | ~np.isfinite(m) | ~np.isfinite(s) | ~np.isfinite(x)
    return np.where(keep, s, out).astype(np.float32)


def epix100(reader, det, median):
    p1 = Moments(det["rows"] * det["cols"])
    for b in reader:
        p1.add(b.astype(np.float64))
    offset, noise = p1.mean_std()
    count = p1.count
    flags = bad_pixels(det, offset, noise, count)
    frozen = noise == 0
    noise_cm = None
    maps = [int((flags != 0).sum())]
    for _ in range(det["cm_iterations"]):
        corr, _, _, _ = cm_pass(reader, det, offset, flags != 0, frozen, det["asic"][1], median=median)
        noise_cm = corr.mean_std()[1]
        flags = bad_pixels(det, offset, noise_cm, count)
        maps.append(int((flags != 0).sum()))
    out = dict(Offset=offset, Noise=noise, BadPixelsDark=flags)
    if noise_cm is not None:
        out["NoiseCM"] = noise_cm
    return out, dict(passes=1 + det["cm_iterations"], badPixelMaps=maps)


def pnccd(reader, det, median):
    p1 = Moments(det["rows"] * det["cols"])
    for b in reader:
        p1.add(b.astype(np.float64))
    offset, noise = p1.mean_std()
    map1 = bad_pixels(det, offset, noise, p1.count)
    frozen = noise == 0
    L = det["asic"][1]
    sigma = det["sigma_cosmic"]
    c2, _, mx, _ = cm_pass(reader, det, offset, map1 != 0, frozen, L, track_max=sigma > 0, median=median)
    m2, s2 = c2.mean_std()
    map2 = bad_pixels(det, offset, s2, p1.count)
    threshold = (np.float32(sigma) * std_without_max(m2, s2, c2.count, mx)).astype(np.float32) if sigma > 0 else None
    c3, r3, _, hits = cm_pass(reader, det, offset, map2 != 0, frozen, L, threshold=threshold, raw=True, median=median)
    offset3, noise3 = r3.mean_std()
    noise_cm = c3.mean_std()[1]
    map3 = bad_pixels(det, offset3, noise_cm, r3.count)
    maps = [int((m != 0).sum()) for m in (map1, map2, map3)]
    return dict(Offset=offset3, Noise=noise3, NoiseCM=noise_cm, BadPixelsDark=map3), dict(
        passes=3, badPixelMaps=maps, cosmicValuesExcluded=hits["values"], cosmicFramesWithHits=hits["frames"],
        cosmicPixelsWithHits=int(hits["pixels"].sum()))


def compare(consts, path):
    """Largest differences to a detcal constants file: absolute and relative (float32 ulps) per float constant, differing flags."""
    res = {}
    with h5py.File(path, "r") as f:
        for name, a in consts.items():
            if name not in f:
                res[name] = "missing in " + path
                continue
            b = f[name][()].reshape(-1)
            if name == "BadPixelsDark":
                res[name] = {"pixelsDiffering": int((a != b).sum()), "badNumpy": int((a != 0).sum()), "badDetcal": int((b != 0).sum())}
                continue
            a64, b64 = a.astype(np.float64), b.astype(np.float64)
            both = np.isfinite(a64) & np.isfinite(b64)
            diff = np.abs(a64 - b64)[both]
            ulp = np.spacing(np.maximum(np.abs(a), np.abs(b)).astype(np.float32))[both].astype(np.float64)
            rel = diff / np.maximum(np.abs(b64[both]), 1e-30)
            res[name] = {"maxAbs": float(diff.max()), "maxRel": float(rel.max()), "maxUlps": float((diff / ulp).max()),
                         "identical": int((a.view(np.uint32) == b.view(np.uint32)).sum()), "n": int(a.size),
                         "nanMismatch": int((np.isnan(a64) != np.isnan(b64)).sum())}
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("detector", choices=sorted(DETECTORS))
    ap.add_argument("dataset")
    ap.add_argument("files", nargs="+")
    ap.add_argument("--block", type=int, default=4, help="frames per h5py read")
    ap.add_argument("--median", default="sort", choices=["sort", "partition"], help="how the group medians are taken (same values)")
    ap.add_argument("--out", default=None, help="write the constants here")
    ap.add_argument("--compare", default=None, help="detcal constants file of the same run")
    a = ap.parse_args()
    det = DETECTORS[a.detector]
    t0 = time.perf_counter()
    reader = Reader(a.files, a.dataset, a.block)
    consts, info = (epix100 if a.detector == "epix100" else pnccd)(reader, det, a.median)
    dt = time.perf_counter() - t0
    nbytes = reader.bytes
    rep = {
        "impl": "numpy (same method)", "median": a.median, "frames": reader.frames, "emptyFrames": reader.empty, "bytes": nbytes,
        "seconds": round(dt, 3), "MBps": round(nbytes / 1e6 / dt, 1), "framesPerSecond": round(reader.frames / dt, 1),
        "peakRssMB": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1), **info,
    }
    if a.out:
        with h5py.File(a.out, "w") as f:
            for name, v in consts.items():
                f[name] = v.reshape(1, 1, det["rows"], det["cols"])
    if a.compare:
        rep["compare"] = compare(consts, a.compare)
    print(json.dumps(rep))


if __name__ == "__main__":
    sys.exit(main())
