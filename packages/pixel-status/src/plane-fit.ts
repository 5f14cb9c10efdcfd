/**
 * Feature 6 geometry and plane fit. det_pixel_status tiles a frame with windows of shwind rows x
 * cols (the last window of each axis pushed flush with the edge, so it overlaps the one before),
 * fits z = a*x + b*y + c by least squares in each window (x = column, y = row inside the window) and
 * keeps, for pixels covered twice, the residual of the window fitted last (windows in row-major order).
 *
 * Closed form: on a full rectangular grid the centred coordinates x' = x - (wc-1)/2 and
 * y' = y - (wr-1)/2 are orthogonal to each other and to 1, so the normal equations are diagonal:
 * a = sum(x' z) / sum(x'^2), b = sum(y' z) / sum(y'^2), c' = mean(z), with
 * sum(x'^2) = wr * wc (wc^2 - 1) / 12 and sum(y'^2) = wc * wr (wr^2 - 1) / 12 fixed by the window shape.
 * The same plane as the solver's, for three sums per window.
 */
import { DetcalError } from '@detcal/core';

/**
 * Window starts along one axis: 0, step, 2*step, ... with the last one moved to size - step.
 * @param size - pixels along the axis
 * @param step - window length along the axis, <= size
 */
export function windowEdges(size: number, step: number): Int32Array {
  if (step > size) throw new DetcalError('BAD_INPUT', `--shwind: a window of ${step} pixels does not fit the ${size} pixels of the frame axis; give a smaller --shwind`);
  const n = Math.ceil(size / step);
  const edges = new Int32Array(n);
  for (let i = 0; i < n; i++) edges[i] = i * step;
  if (edges[n - 1] > size - step) edges[n - 1] = size - step;
  return edges;
}

/**
 * Which window's residual each index along an axis keeps: the last window (in order) that covers it.
 * @param edges - window starts (windowEdges)
 * @param step - window length
 * @returns for window k, the half-open range [from[k], to[k]) of indices it owns
 */
export function ownedRanges(edges: Int32Array, step: number): { from: Int32Array; to: Int32Array } {
  const n = edges.length;
  const from = new Int32Array(n);
  const to = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    from[k] = edges[k];
    to[k] = k + 1 < n ? Math.min(edges[k] + step, edges[k + 1]) : edges[k] + step;
  }
  return { from, to };
}

/** The geometry of the feature-6 windows on a frame. */
export interface WindowGrid {
  /** Frame rows. */
  rows: number;
  /** Frame columns. */
  cols: number;
  /** Window rows. */
  wr: number;
  /** Window columns. */
  wc: number;
  /** Window starts along rows. */
  rowEdges: Int32Array;
  /** Window starts along columns. */
  colEdges: Int32Array;
  /** Rows owned by each window row: [rowFrom[k], rowTo[k]). */
  rowFrom: Int32Array;
  /** End of the rows owned by each window row. */
  rowTo: Int32Array;
  /** Columns owned by each window column. */
  colFrom: Int32Array;
  /** End of the columns owned by each window column. */
  colTo: Int32Array;
}

/** Builds the window grid of a rows x cols frame for windows of wr x wc. */
export function windowGrid(rows: number, cols: number, wr: number, wc: number): WindowGrid {
  if (wr < 2 || wc < 2) throw new DetcalError('BAD_INPUT', `--shwind ${wr},${wc}: a plane fit needs at least 2 rows and 2 columns per window`);
  const rowEdges = windowEdges(rows, wr);
  const colEdges = windowEdges(cols, wc);
  const r = ownedRanges(rowEdges, wr);
  const c = ownedRanges(colEdges, wc);
  return { rows, cols, wr, wc, rowEdges, colEdges, rowFrom: r.from, rowTo: r.to, colFrom: c.from, colTo: c.to };
}

/** A rectangle of owned pixels: one window row, a run of window columns. */
export interface ResidualTile {
  /** Window-row index. */
  k: number;
  /** First window-column index. */
  j0: number;
  /** End window-column index (exclusive). */
  j1: number;
}

/**
 * Splits the frame into tiles whose residual stacks (frames x tile pixels x 8 bytes) stay within a budget.
 * @param g - window grid
 * @param frames - frames in the stack
 * @param budgetBytes - most bytes of one tile's float64 stack (at least one window per tile)
 */
export function residualTiles(g: WindowGrid, frames: number, budgetBytes: number): ResidualTile[] {
  const tiles: ResidualTile[] = [];
  for (let k = 0; k < g.rowEdges.length; k++) {
    const ownedRows = g.rowTo[k] - g.rowFrom[k];
    const maxCols = Math.max(1, Math.floor(budgetBytes / (8 * frames * ownedRows)));
    let j0 = 0;
    while (j0 < g.colEdges.length) {
      let j1 = j0 + 1;
      while (j1 < g.colEdges.length && g.colTo[j1] - g.colFrom[j0] <= maxCols) j1++;
      tiles.push({ k, j0, j1 });
      j0 = j1;
    }
  }
  return tiles;
}

/** Pixel rectangle a tile owns. */
export function tileBounds(g: WindowGrid, t: ResidualTile): { r0: number; r1: number; c0: number; c1: number } {
  return { r0: g.rowFrom[t.k], r1: g.rowTo[t.k], c0: g.colFrom[t.j0], c1: g.colTo[t.j1 - 1] };
}

/**
 * Residuals to the window planes of one frame, for the pixels a tile owns.
 * @param frame - frame values (masked integers), row-major rows x cols, starting at `offset`
 * @param offset - index of the frame's first value
 * @param g - window grid
 * @param t - tile
 * @param out - residuals, row-major over the tile's rectangle, starting at outOffset
 * @param outOffset - index in out of the tile's first pixel
 */
export function tileResiduals(frame: ArrayLike<number>, offset: number, g: WindowGrid, t: ResidualTile, out: Float64Array, outOffset: number): void {
  const { wr, wc, cols } = g;
  const r0 = g.rowEdges[t.k];
  const ownR0 = g.rowFrom[t.k];
  const ownR1 = g.rowTo[t.k];
  const tc0 = g.colFrom[t.j0];
  const tileCols = g.colTo[t.j1 - 1] - tc0;
  const cx0 = (wc - 1) / 2;
  const cy0 = (wr - 1) / 2;
  const sxx = (wr * wc * (wc * wc - 1)) / 12;
  const syy = (wc * wr * (wr * wr - 1)) / 12;
  const npix = wr * wc;
  for (let j = t.j0; j < t.j1; j++) {
    const c0 = g.colEdges[j];
    let s = 0;
    let sx = 0;
    let sy = 0;
    for (let r = 0; r < wr; r++) {
      const rowBase = offset + (r0 + r) * cols + c0;
      let rs = 0;
      let rx = 0;
      for (let c = 0; c < wc; c++) {
        const z = frame[rowBase + c];
        rs += z;
        rx += (c - cx0) * z;
      }
      s += rs;
      sx += rx;
      sy += (r - cy0) * rs;
    }
    const a = sx / sxx;
    const b = sy / syy;
    const m = s / npix;
    const oc0 = g.colFrom[j];
    const oc1 = g.colTo[j];
    for (let r = ownR0; r < ownR1; r++) {
      const plane0 = m + b * (r - r0 - cy0) - a * (c0 + cx0);
      const src = offset + r * cols;
      const dst = outOffset + (r - ownR0) * tileCols - tc0;
      for (let c = oc0; c < oc1; c++) out[dst + c] = frame[src + c] - (plane0 + a * c);
    }
  }
}

/**
 * Residuals of a whole frame to its window planes (the array det_pixel_status builds per frame).
 * @param frame - frame values, row-major rows x cols
 * @param rows - frame rows
 * @param cols - frame columns
 * @param wr - window rows
 * @param wc - window columns
 */
export function frameResiduals(frame: ArrayLike<number>, rows: number, cols: number, wr: number, wc: number): Float64Array {
  const g = windowGrid(rows, cols, wr, wc);
  const out = new Float64Array(rows * cols);
  const tile = new Float64Array(rows * cols);
  for (const t of residualTiles(g, 1, Infinity)) {
    const b = tileBounds(g, t);
    tileResiduals(frame, 0, g, t, tile, 0);
    const w = b.c1 - b.c0;
    for (let r = b.r0; r < b.r1; r++) for (let c = b.c0; c < b.c1; c++) out[r * cols + c] = tile[(r - b.r0) * w + (c - b.c0)];
  }
  return out;
}
