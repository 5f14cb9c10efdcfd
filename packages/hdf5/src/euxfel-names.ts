/** European XFEL raw file names and dataset paths of one module, as a RawLayout places them. */
import type { RawLayout } from '@detcal/core';

/** RAW-R{run:04d}-{AGG}-S{seq:05d}.h5 */
export const RAW_FILE_PATTERN = /^RAW-R(\d{4,})-([A-Za-z0-9_]+)-S(\d{5,})\.h5$/i;

/** Parts of a raw sequence file name. */
export interface RawFileName {
  /** Run number. */
  run: number;
  /** Aggregator (e.g. 'AGIPD00', 'JNGFR01'). */
  aggregator: string;
  /** Sequence number (0 for S00000). */
  sequence: number;
}

/** The file name of one raw sequence file: RAW-R0007-AGIPD00-S00001.h5. */
export function rawFileName(run: number, aggregator: string, sequence: number): string {
  return `RAW-R${String(run).padStart(4, '0')}-${aggregator}-S${String(sequence).padStart(5, '0')}.h5`;
}

/** Parses a raw sequence file name (base name only); null when it is not one. */
export function parseRawFileName(name: string): RawFileName | null {
  const m = RAW_FILE_PATTERN.exec(name);
  return m ? { run: Number(m[1]), aggregator: m[2], sequence: Number(m[3]) } : null;
}

/** Dataset paths of one module in a raw file (no leading '/'). */
export interface RawPaths {
  /** Source name (e.g. 'SPB_DET_AGIPD1M-1/DET/0CH0:xtdf'). */
  source: string;
  /** METADATA/dataSourceId entry: 'INSTRUMENT/<source>/<group>'. */
  dataSourceId: string;
  /** 'INSTRUMENT/<source>/<group>'. */
  group: string;
  /** Pixel values. */
  data: string;
  /** Separate gain values, if the layout has them. */
  gain?: string;
  /** Memory-cell ids, if the layout has them. */
  cellId?: string;
  /** Train ids per frame (or per train), if the layout has them. */
  trainId?: string;
  /** Pulse ids, if the layout has them. */
  pulseId?: string;
  /** INDEX/<source>/<group>/first. */
  indexFirst: string;
  /** INDEX/<source>/<group>/count. */
  indexCount: string;
  /** INDEX/trainId. */
  indexTrainId: string;
}

/** Where a layout puts module `module`'s datasets inside a raw file. */
export function rawPaths(layout: RawLayout, module: number): RawPaths {
  const source = layout.source(module);
  const group = `INSTRUMENT/${source}/${layout.group}`;
  const inGroup = (name: string | undefined): string | undefined => (name ? `${group}/${name}` : undefined);
  return {
    source,
    dataSourceId: group,
    group,
    data: `${group}/${layout.dataName}`,
    gain: inGroup(layout.gainName),
    cellId: inGroup(layout.cellIdName),
    trainId: inGroup(layout.trainIdName),
    pulseId: inGroup(layout.pulseIdName),
    indexFirst: `INDEX/${source}/${layout.group}/first`,
    indexCount: `INDEX/${source}/${layout.group}/count`,
    indexTrainId: 'INDEX/trainId',
  };
}
