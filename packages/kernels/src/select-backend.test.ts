import { describe, expect, it } from 'vitest';
import { selectBackend } from './select-backend.js';

describe('selectBackend', () => {
  it("'cpu' returns the cpu backend without measuring", () => {
    const s = selectBackend('cpu');
    expect(s.choice).toBe('cpu');
    expect(s.backend.name).toBe('cpu');
    expect(s.backend.engine).toBe('js');
    expect(s.nsPerPixelFrame).toEqual({});
  });

  it("'gpu' returns the gpu.js backend and names the mode gpu.js fell back to without a GL context", () => {
    const s = selectBackend('gpu');
    try {
      expect(s.choice).toBe('gpu');
      expect(s.backend.name).toBe('gpu');
      expect(s.gpuEngine).toBe(s.backend.engine);
      if (!s.gpuOnGpu) expect(s.reason).toContain(`fell back to its '${s.gpuEngine}' mode`);
    } finally {
      s.backend.dispose();
    }
  });

  it("'auto' times both backends and picks the gpu only when it is faster by the margin", () => {
    const s = selectBackend('auto', { frames: 16, pixels: 4096, minTimeMs: 15 });
    try {
      const { cpu, gpu } = s.nsPerPixelFrame;
      expect(cpu).toBeGreaterThan(0);
      expect(gpu).toBeGreaterThan(0);
      expect(s.choice).toBe((cpu as number) > (gpu as number) * 1.1 ? 'gpu' : 'cpu');
      expect(s.backend.name).toBe(s.choice);
      expect(s.reason).toMatch(/^auto: cpu [\d.]+ ns\/pixel-frame, gpu \(\w+\) [\d.]+ ns\/pixel-frame on 16 frames x 4096 pixels x 1 cells -> (cpu|gpu)/);
    } finally {
      s.backend.dispose();
    }
    // an impossible margin always keeps the cpu
    const never = selectBackend('auto', { frames: 8, pixels: 1024, minTimeMs: 5, gpuMargin: 1e9, gpuMode: 'cpu' });
    expect(never.choice).toBe('cpu');
    expect(never.gpuEngine).toBe('cpu');
  });
});
