export { createRegistry, importModule } from './lib/plugin-loader.js';
export { simulateToDisk, runFolder, type SimulationReport, type WrittenRun } from './lib/simulate-to-disk.js';
export { describeDetector, type DetectorSummary } from './lib/describe-detector.js';
export { formatTable, formatBytes } from './lib/format-table.js';
