export * from './plugin-types.js';
export * from './errors.js';
export * from './bad-pixels.js';
export * from './registry.js';
export * from './validate-plugin.js';
export * from './constant-set.js';
export * from './random.js';
export * from './parameters.js';
