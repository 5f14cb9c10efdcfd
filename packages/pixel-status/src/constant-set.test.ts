import { describe, expect, it } from 'vitest';
import { arrayFrameStream } from './array-stream.js';
import { pixelStatusToConstantSet } from './constant-set.js';
import { computePixelStatus } from './pixel-status.js';

const meta = { detectorType: 'epix100', detectorId: 'EPIX-1', module: 0, sourceRuns: ['7'], createdAt: '2025-01-01T00:00:00.000Z' };

describe('status as constants', () => {
  it('is one uint64 constant named by the ctype, dims row, col (or segment, row, col)', async () => {
    const data = Uint16Array.from({ length: 3 * 2 * 3 }, (_, i) => 100 + (i % 6) + (i % 6 === 5 ? 50 : 0));
    const r = await computePixelStatus(arrayFrameStream(data, 2, 3), { features: [2], snrmax: 2 });
    const set = pixelStatusToConstantSet(r, meta);
    const c = set.constants.status_dark;
    expect([c.dtype, c.shape, c.dims, c.unit]).toEqual(['u8', [2, 3], ['row', 'col'], '']);
    expect(c.data).toBeInstanceOf(BigUint64Array);
    expect(Array.from(c.data as BigUint64Array, Number)).toEqual(Array.from(r.status));
    expect(set.metadata.parameters).toMatchObject({ features: '2', snrmax: 2, ctype: 'status_dark' });
    const two = pixelStatusToConstantSet([r, r], meta).constants.status_dark;
    expect([two.shape, two.dims]).toEqual([[2, 2, 3], ['segment', 'row', 'col']]);
  });
});
