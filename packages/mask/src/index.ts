/**
 * @detcal/mask: bad-cell masks for any detector (AGIPD seed createMask): manual shapes or images,
 * systematic masks, ASIC-border templates from the plugin geometry, confidence intervals on constants.
 */
export * from './mask-shapes.js';
export * from './image-mask.js';
export * from './asic-borders.js';
export * from './constant-intervals.js';
export * from './text-histogram.js';
