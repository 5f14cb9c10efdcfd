/** A progress bar on stderr when it is a terminal (frames, MB/s, ETA); silent otherwise or with --json. */
import cliProgress from 'cli-progress';

/** Reports progress of a streaming job. */
export interface Progress {
  /** Starts a phase with a label and the total number of frames. */
  start(label: string, totalFrames: number): void;
  /** Adds processed frames and the raw bytes they held. */
  tick(frames: number, bytes: number): void;
  /** Ends the current phase. */
  stop(): void;
}

/** A bar for interactive terminals, a no-op otherwise. */
export function createProgress(enabled: boolean): Progress {
  if (!enabled || !process.stderr.isTTY) return { start() {}, tick() {}, stop() {} };
  let bar: cliProgress.SingleBar | undefined;
  let t0 = 0;
  let bytes = 0;
  let frames = 0;
  return {
    start(label, totalFrames) {
      bar = new cliProgress.SingleBar(
        { format: `${label.padEnd(14)} [{bar}] {value}/{total} frames  {mbps} MB/s  ETA {eta_formatted}`, stream: process.stderr, hideCursor: true, clearOnComplete: false },
        cliProgress.Presets.shades_classic,
      );
      t0 = performance.now();
      bytes = 0;
      frames = 0;
      bar.start(totalFrames, 0, { mbps: '0.0' });
    },
    tick(f, b) {
      frames += f;
      bytes += b;
      const s = (performance.now() - t0) / 1000;
      bar?.update(frames, { mbps: s > 0 ? (bytes / 1e6 / s).toFixed(1) : '0.0' });
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}

/**
 * A progress callback for a job that goes through named phases (gain stages, passes, a fit): a new
 * bar whenever the phase changes, sized by `barFor`.
 * @param progress - the bar
 * @param barFor - label and total of a phase, given its name and its position among the phases seen
 * @returns the callback (done, bytes, phase)
 */
export function phasedProgress(progress: Progress, barFor: (phase: string, index: number) => { label: string; total: number }): (done: number, bytes: number, phase: string) => void {
  let current: string | undefined;
  let index = -1;
  return (done, bytes, phase) => {
    if (phase !== current) {
      progress.stop();
      current = phase;
      const bar = barFor(phase, ++index);
      progress.start(bar.label, bar.total);
    }
    progress.tick(done, bytes);
  };
}
