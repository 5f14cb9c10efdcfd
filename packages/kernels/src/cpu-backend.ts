/**
 * The CPU compute backend: plain typed-array loops, single thread. The default backend: on
 * machines without a GL context it beats every gpu.js mode (measure with selectBackend('auto')).
 */
import type { ComputeBackend } from './compute-backend.js';
import { correctGainStagesCpu } from './correct-gain-stages.js';
import { accumulateDarkCpu, accumulateDarkRangeCpu, finalizeDarkCpu } from './cpu-dark.js';

/**
 * Creates the CPU backend (stateless; creating several is cheap).
 * @returns a backend whose kernels are the *Cpu functions of this package
 */
export function createCpuBackend(): ComputeBackend {
  return {
    name: 'cpu',
    engine: 'js',
    accumulateDark: accumulateDarkCpu,
    accumulateDarkRange: accumulateDarkRangeCpu,
    finalizeDark: finalizeDarkCpu,
    correctGainStages: correctGainStagesCpu,
    dispose() {},
  };
}
