/**
 * Checks of a simulation request shared by the detector simulators: supported kind, module index,
 * trains and memory cells. Shared helper: identical in the four built-in detector plugins.
 */
import { DetcalError } from '@detcal/core';
import type { DetectorGeometry, SimulateOptions } from '@detcal/core';

/** Throws BAD_INPUT naming the supported kinds, or the first option that is out of range. */
export function checkSimulateOptions(
  pluginId: string,
  options: SimulateOptions,
  kinds: readonly string[],
  geometry: DetectorGeometry,
): void {
  if (!kinds.includes(options.kind)) {
    throw new DetcalError('BAD_INPUT', `${pluginId} cannot simulate '${options.kind}': supported kinds are ${kinds.join(', ')}`);
  }
  if (!Number.isFinite(options.seed)) throw new DetcalError('BAD_INPUT', `seed must be a number, got ${options.seed}`);
  if (!Number.isInteger(options.trains) || options.trains < 1) {
    throw new DetcalError('BAD_INPUT', `trains must be a positive integer, got ${options.trains}`);
  }
  if (!Number.isInteger(options.cells) || options.cells < 1 || options.cells > geometry.maxMemoryCells) {
    throw new DetcalError('BAD_INPUT', `${pluginId} has 1 to ${geometry.maxMemoryCells} memory cells, got cells ${options.cells}`);
  }
  if (!Number.isInteger(options.module) || options.module < 0 || options.module >= geometry.modules) {
    throw new DetcalError('BAD_INPUT', `${pluginId} has modules 0 to ${geometry.modules - 1}, got module ${options.module}`);
  }
  if (!Number.isInteger(options.firstRun) || options.firstRun < 0) {
    throw new DetcalError('BAD_INPUT', `first run must be a non-negative integer, got ${options.firstRun}`);
  }
}
