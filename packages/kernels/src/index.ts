/**
 * @detcal/kernels: compute kernels behind one ComputeBackend interface (CPU typed arrays, gpu.js),
 * robust statistics, common-mode correction and bad-pixel rules.
 */
export * from './compute-backend.js';
export * from './dark-accumulator.js';
export * from './dark-pair-accumulator.js';
export * from './cpu-dark.js';
export * from './cpu-backend.js';
export * from './gpu-backend.js';
export * from './select-backend.js';
export * from './bench.js';
export * from './quickselect.js';
export * from './float32-rank-select.js';
export * from './robust-stats.js';
export * from './frame-stack-stats.js';
export * from './common-mode.js';
export * from './sigma-rule.js';
export * from './good-range-rule.js';
export * from './tolerance.js';
export * from './dark-run.js';
export * from './dark-bad-pixels.js';
export * from './dark-gain-stages.js';
export * from './frame-stream-from-run.js';
export * from './dark-single-gain.js';
export * from './dark-psana.js';
export * from './dark-worker-pool.js';
export * from './fast-median.js';
export * from './dark-truth-metrics.js';
export * from './correct-gain-stages.js';
export * from './correct-gain-stages-fused.js';
export * from './asic-common-mode.js';
export * from './pattern-classify.js';
export * from './single-gain-correct.js';
export * from './correct-truth-metrics.js';
export * from './spike-filter.js';
export * from './kmeans-1d.js';
export * from './trimmed-line-fit.js';
export * from './gain-scan-fit.js';
export * from './gain-scan-pool.js';
export * from './running-quantile.js';
export * from './histogram.js';
export * from './peak-finder.js';
export * from './photon-peaks.js';
export * from './detrended-histograms.js';
export * from './photon-spacing.js';
export * from './photon-spacing-pool.js';
export * from './worker-exec-argv.js';
