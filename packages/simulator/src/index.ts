export * from './bad-pixel-injection.js';
export * from './frame-blocks.js';
export * from './frame-stats.js';
export * from './pixel-maps.js';
export * from './row-common-mode.js';
export * from './simulate-options.js';
export * from './stream-seed.js';
export * from './truth-set.js';
