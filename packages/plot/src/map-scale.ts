/** How many screen pixels a detector pixel gets in a map: integer upscaling of small frames, block downscaling of huge ones. */

/** Longest side, in screen pixels, that small frames are upscaled towards. */
export const MAP_TARGET_PX = 512;
/** Longest side above which frames are shown downscaled by whole blocks. */
export const MAP_MAX_PX = 1024;

/** Screen geometry of a map. */
export interface MapScale {
  /** Screen pixels per detector pixel along each axis (1 or more); 1 when downscaling. */
  zoom: number;
  /** Detector pixels per screen pixel along each axis (1 or more); 1 when upscaling. */
  block: number;
  /** Screen rows of the image. */
  height: number;
  /** Screen columns of the image. */
  width: number;
}

/** Picks the zoom (frames shorter than MAP_TARGET_PX) or block size (frames longer than MAP_MAX_PX) of a rows x cols frame. */
export function mapScale(rows: number, cols: number): MapScale {
  const longest = Math.max(rows, cols);
  if (longest > MAP_MAX_PX) {
    const block = Math.ceil(longest / MAP_MAX_PX);
    return { zoom: 1, block, height: Math.ceil(rows / block), width: Math.ceil(cols / block) };
  }
  const zoom = Math.max(1, Math.floor(MAP_TARGET_PX / longest));
  return { zoom, block: 1, height: rows * zoom, width: cols * zoom };
}

/** Screen position (pixel row or column) of the centre of detector pixel index i. */
export function pixelCentre(i: number, s: MapScale): number {
  return s.block > 1 ? (i + 0.5) / s.block : i * s.zoom + (s.zoom - 1) / 2;
}
