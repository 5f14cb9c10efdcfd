/** What `detcal detectors` reports about a plugin. */
import type { RegisteredPlugin } from '@detcal/core';

/** JSON-able summary of a registered detector plugin. */
export interface DetectorSummary {
  id: string;
  name: string;
  source: string;
  builtin: boolean;
  modules: number;
  moduleShape: [number, number];
  maxMemoryCells: number;
  gainStages: string[];
  asics: string;
  pixelSizeUm: number;
  rawLayout: { source: string; dataset: string; axes: string; dtype: string };
  constantTypes: Array<{ name: string; dtype: string; dims: string[]; unit: string; description: string }>;
  simulationKinds: string[];
}

/** Summarises a registered plugin for listing. */
export function describeDetector({ plugin, source, builtin }: RegisteredPlugin): DetectorSummary {
  const g = plugin.geometry;
  const l = plugin.layout;
  return {
    id: plugin.id,
    name: plugin.displayName,
    source,
    builtin,
    modules: g.modules,
    moduleShape: [g.moduleRows, g.moduleCols],
    maxMemoryCells: g.maxMemoryCells,
    gainStages: [...g.gainStageNames],
    asics: `${g.asics.rows}x${g.asics.cols} of ${g.asics.asicRows}x${g.asics.asicCols}`,
    pixelSizeUm: g.pixelSizeUm,
    rawLayout: { source: l.source(0), dataset: `INSTRUMENT/${l.source(0)}/${l.group}/${l.dataName}`, axes: l.axes, dtype: l.dtype },
    constantTypes: plugin.constantTypes.map((c) => ({ name: c.name, dtype: c.dtype, dims: [...c.dims], unit: c.unit, description: c.description })),
    simulationKinds: [...plugin.simulationKinds],
  };
}
