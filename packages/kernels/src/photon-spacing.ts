/**
 * Photon spacing of a pixel range from X-ray tube frames: detrended histograms fed frame by frame,
 * then photonPeaks per pixel. One PhotonSpacingRange runs in-process or inside a worker thread.
 */
import { DetrendedHistograms, type DetrendedHistogramOptions } from './detrended-histograms.js';
import { PhotonPeakStatus, createPhotonPeakScratch, photonPeaks, type PhotonPeakOptions } from './photon-peaks.js';

/** Everything a photon-spacing analysis needs: histogram and low-pass settings, peak settings (bins). */
export interface PhotonSpacingSettings {
  /** Low-pass, bins and counts type. */
  histogram: DetrendedHistogramOptions;
  /** Peak finding and refinement, in bins. */
  peaks: PhotonPeakOptions;
}

/** Per-pixel results of a module (or any frame), nPixels each; may live on SharedArrayBuffers. */
export interface PhotonSpacingOutput {
  /** Distance of the two highest photon peaks, ADU (NaN where the analysis failed). */
  spacingAdu: Float32Array;
  /** Relative valley depth between them, 0..1 (NaN where the analysis failed). */
  quality: Float32Array;
  /** PhotonPeakStatus per pixel. */
  status: Uint8Array;
  /** Values inside the histogram range per pixel. */
  entries: Uint32Array;
  /** Values outside the histogram range per pixel. */
  outside: Uint32Array;
}

/** Allocates the outputs for nPixels pixels (on SharedArrayBuffers when shared, for worker threads). */
export function createPhotonSpacingOutput(nPixels: number, shared = false): PhotonSpacingOutput {
  const buf = (bytes: number): ArrayBuffer | SharedArrayBuffer => (shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
  return {
    spacingAdu: new Float32Array(buf(4 * nPixels)),
    quality: new Float32Array(buf(4 * nPixels)),
    status: new Uint8Array(buf(nPixels)),
    entries: new Uint32Array(buf(4 * nPixels)),
    outside: new Uint32Array(buf(4 * nPixels)),
  };
}

/** Bytes a range of nPixels pixels holds while streaming (ring of frames + histograms), for memory planning. */
export function photonSpacingBytes(nPixels: number, h: DetrendedHistogramOptions): number {
  const valueBytes = h.valueType === 'u2' ? 2 : 4;
  const countBytes = h.countType === 'u2' ? 2 : 4;
  return nPixels * ((h.window + h.step + 1) * valueBytes + h.nBins * countBytes + 40);
}

/** Histograms and analyses the pixels [p0, p1) of frames with nPixelsFrame pixels. */
export class PhotonSpacingRange {
  private readonly hist: DetrendedHistograms;

  /**
   * @param p0 - first pixel (flat index into a frame)
   * @param p1 - end of the range (exclusive)
   * @param settings - histogram and peak settings
   */
  constructor(readonly p0: number, readonly p1: number, readonly settings: PhotonSpacingSettings) {
    this.hist = new DetrendedHistograms(p1 - p0, settings.histogram);
  }

  /** Frames added so far. */
  get frames(): number {
    return this.hist.framesSeen;
  }

  /**
   * Adds one frame.
   * @param values - block of frames, frame-major
   * @param frameOffset - index of the frame's first pixel in values
   */
  push(values: Uint16Array | Float32Array | Uint8Array, frameOffset: number): void {
    this.hist.push(values, frameOffset + this.p0);
  }

  /** Ends the stream and writes this range's results into out[p0, p1). */
  finish(out: PhotonSpacingOutput): void {
    this.hist.finish();
    const { histogram: h, peaks } = this.settings;
    const scratch = createPhotonPeakScratch(h.nBins);
    const r = new Float64Array(4);
    const counts = this.hist.counts;
    for (let i = 0, n = this.p1 - this.p0; i < n; i++) {
      const p = this.p0 + i;
      const status = photonPeaks(counts, i * h.nBins, h.nBins, peaks, scratch, r);
      out.status[p] = status;
      out.spacingAdu[p] = status === PhotonPeakStatus.OK ? r[0] * h.binWidth : NaN;
      out.quality[p] = status === PhotonPeakStatus.OK ? r[1] : NaN;
      out.outside[p] = this.hist.underflow[i] + this.hist.overflow[i];
      out.entries[p] = this.hist.framesSeen - out.outside[p];
    }
  }
}
