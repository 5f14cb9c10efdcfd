/**
 * Manual and systematic mask files: a line-oriented text format of shapes in raw pixel coordinates
 * (row = slow scan, col = fast scan of one module frame), each optionally limited to memory cells.
 *
 *   # comment (also after a shape)
 *   rect ROW0 ROW1 COL0 COL1 [cells LIST]   inclusive ranges, e.g. rect 0 63 0 127 (the first ASIC row)
 *   polygon R,C R,C R,C ... [cells LIST]    pixels whose centre lies inside (even-odd rule), >= 3 vertices
 *   pixel ROW COL [cells LIST]              one pixel
 *   cells LIST                              whole memory cells (a systematic mask: cells known bad)
 *
 * LIST: comma-separated cells or ranges, e.g. 0-3,17,200-351. Without `cells` a shape covers every cell.
 */
import { DetcalError } from '@detcal/core';

/** One parsed shape. */
export type MaskShape =
  | { kind: 'rect'; row0: number; row1: number; col0: number; col1: number; cells: number[] | null; line: number }
  | { kind: 'polygon'; points: Array<[number, number]>; cells: number[] | null; line: number }
  | { kind: 'pixel'; row: number; col: number; cells: number[] | null; line: number }
  | { kind: 'cells'; cells: number[]; line: number };

/** Frame and cell limits the shapes are checked against. */
export interface MaskExtent {
  /** Memory cells of the mask. */
  cells: number;
  /** Rows of a frame. */
  rows: number;
  /** Columns of a frame. */
  cols: number;
}

/**
 * Parses a shapes file; every problem is a one-line error naming the file and line.
 * @param text - file contents
 * @param source - file name for messages
 * @param extent - cells, rows and columns the coordinates must fit
 * @returns the shapes in file order
 */
export function parseMaskShapes(text: string, source: string, extent: MaskExtent): MaskShape[] {
  const shapes: MaskShape[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const body = raw.replace(/#.*/, '').trim();
    if (!body) return;
    const fail = (why: string): never => {
      throw new DetcalError('BAD_INPUT', `${source}:${line}: ${why} (line: "${raw.trim()}"); see \`detcal mask --help\` for the format`);
    };
    let words = body.split(/\s+/);
    let cells: number[] | null = null;
    const at = words.indexOf('cells');
    if (at > 0) {
      if (at !== words.length - 2) fail('`cells LIST` must end the line');
      cells = parseCellList(words[at + 1], extent.cells, fail);
      words = words.slice(0, at);
    }
    const int = (w: string | undefined, what: string, max: number): number => {
      if (w === undefined || !/^\d+$/.test(w)) fail(`${what} must be a non-negative integer, got '${w ?? ''}'`);
      const v = Number(w);
      if (v >= max) fail(`${what} ${v} is outside 0..${max - 1}`);
      return v;
    };
    switch (words[0]) {
      case 'rect': {
        if (words.length !== 5) fail('rect needs ROW0 ROW1 COL0 COL1');
        const [row0, row1] = [int(words[1], 'ROW0', extent.rows), int(words[2], 'ROW1', extent.rows)];
        const [col0, col1] = [int(words[3], 'COL0', extent.cols), int(words[4], 'COL1', extent.cols)];
        if (row1 < row0 || col1 < col0) fail('rect ranges must be ascending (ROW0 <= ROW1, COL0 <= COL1)');
        shapes.push({ kind: 'rect', row0, row1, col0, col1, cells, line });
        break;
      }
      case 'polygon': {
        const points = words.slice(1).map((w): [number, number] => {
          const m = /^(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)$/.exec(w);
          if (!m) fail(`polygon vertex '${w}' is not ROW,COL`);
          return [Number(m![1]), Number(m![2])];
        });
        if (points.length < 3) fail('polygon needs at least 3 vertices ROW,COL');
        shapes.push({ kind: 'polygon', points, cells, line });
        break;
      }
      case 'pixel':
        if (words.length !== 3) fail('pixel needs ROW COL');
        shapes.push({ kind: 'pixel', row: int(words[1], 'ROW', extent.rows), col: int(words[2], 'COL', extent.cols), cells, line });
        break;
      case 'cells':
        if (words.length !== 2) fail('cells needs one LIST, e.g. cells 0-3,17');
        shapes.push({ kind: 'cells', cells: parseCellList(words[1], extent.cells, fail), line });
        break;
      default:
        fail(`unknown shape '${words[0]}': use rect, polygon, pixel or cells`);
    }
  });
  return shapes;
}

/** Parses `0-3,17` into cells, checked against the number of cells. */
function parseCellList(text: string, nCells: number, fail: (why: string) => never): number[] {
  const out: number[] = [];
  for (const part of text.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) fail(`cell list item '${part}' is not N or A-B`);
    const a = Number(m![1]), b = m![2] === undefined ? a : Number(m![2]);
    if (b < a) fail(`cell range ${part} is descending`);
    if (b >= nCells) fail(`cell ${b} is outside 0..${nCells - 1} (--cells ${nCells})`);
    for (let c = a; c <= b; c++) out.push(c);
  }
  return out;
}

/**
 * Pixels whose centre (row + 0.5, col + 0.5) lies inside a polygon (even-odd rule), set to 1 in out.
 * Vertices are in pixel-edge coordinates: the polygon 0,0 0,4 4,4 4,0 covers rows and cols 0..3.
 * @param points - vertices [row, col]
 * @param rows - rows of the frame
 * @param cols - columns of the frame
 * @param out - per-pixel mask (rows * cols), 1 where inside
 * @returns pixels set
 */
export function rasterizePolygon(points: ReadonlyArray<readonly [number, number]>, rows: number, cols: number, out: Uint8Array): number {
  let set = 0;
  const n = points.length;
  const xs: number[] = [];
  for (let r = 0; r < rows; r++) {
    const y = r + 0.5;
    xs.length = 0;
    for (let i = 0, j = n - 1; i < n; j = i++) {
      const [yi, xi] = points[i], [yj, xj] = points[j];
      if ((yi > y) !== (yj > y)) xs.push(xi + ((y - yi) * (xj - xi)) / (yj - yi));
    }
    xs.sort((a, b) => a - b);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      // columns whose centre c + 0.5 lies in [xs[k], xs[k+1])
      const c0 = Math.max(0, Math.ceil(xs[k] - 0.5)), c1 = Math.min(cols - 1, Math.ceil(xs[k + 1] - 0.5) - 1);
      for (let c = c0; c <= c1; c++) {
        if (!out[r * cols + c]) set++;
        out[r * cols + c] = 1;
      }
    }
  }
  return set;
}

/**
 * Applies shapes to a (cells, rows, cols) mask: 1 where a shape covers the pixel in that cell.
 * @param shapes - parsed shapes
 * @param extent - cells, rows, columns of the mask
 * @param out - mask, cell-major (cells * rows * cols), set to 1 where covered
 * @returns values newly set
 */
export function applyMaskShapes(shapes: readonly MaskShape[], extent: MaskExtent, out: Uint8Array): number {
  const { cells, rows, cols } = extent;
  const plane = rows * cols;
  const frame = new Uint8Array(plane);
  let set = 0;
  for (const s of shapes) {
    frame.fill(0);
    if (s.kind === 'cells') frame.fill(1);
    else if (s.kind === 'rect') for (let r = s.row0; r <= s.row1; r++) frame.fill(1, r * cols + s.col0, r * cols + s.col1 + 1);
    else if (s.kind === 'pixel') frame[s.row * cols + s.col] = 1;
    else rasterizePolygon(s.points, rows, cols, frame);
    const list = s.cells ?? Array.from({ length: cells }, (_, c) => c);
    for (const c of list) {
      const base = c * plane;
      for (let p = 0; p < plane; p++) if (frame[p] && !out[base + p]) {
        out[base + p] = 1;
        set++;
      }
    }
  }
  return set;
}
