/**
 * @detcal/pixel-status: `detcal pixel-status`, det_pixel_status parity (lcls-psana/Detector
 * UtilsPixelStatus): feature 1 good frames, 2 mean, 3 std, 6 plane-fit residual median / MAD, 11 max -
 * pedestals; the inclusive good-range rule of @detcal/kernels; uint64 status bits 0o1 ... 0o1000.
 */
export * from './options.js';
export * from './frame-slice.js';
export * from './frame-data.js';
export * from './mean-std.js';
export * from './good-frames.js';
export * from './plane-fit.js';
export * from './residual-stats.js';
export * from './residual-parallel.js';
export * from './max-feature.js';
export * from './pedestals.js';
export * from './summary.js';
export * from './pixel-status.js';
export * from './constant-set.js';
export * from './array-stream.js';
