import { describe, expect, it } from 'vitest';
import { phasedProgress, type Progress } from './progress.js';

describe('phasedProgress', () => {
  it('starts a bar sized by barFor at each change of phase and ticks every call', () => {
    const log: string[] = [];
    const bar: Progress = { start: (l, t) => log.push(`start ${l} ${t}`), tick: (f, b) => log.push(`tick ${f} ${b}`), stop: () => log.push('stop') };
    const cb = phasedProgress(bar, (ph, i) => ({ label: `${ph}#${i}`, total: 10 * (i + 1) }));
    cb(2, 20, 'high');
    cb(3, 30, 'high');
    cb(1, 10, 'medium');
    expect(log).toEqual(['stop', 'start high#0 10', 'tick 2 20', 'tick 3 30', 'stop', 'start medium#1 20', 'tick 1 10']);
  });
});
