/**
 * `detcal gain xray agipd`: photon spacing (ADU per photon) and quality per pixel from an X-ray tube
 * run, the AGIPD seed's flat-field step. Frames of one memory cell are histogrammed per pixel
 * relative to a running low-pass (drift removal), the two highest photon peaks are refined and
 * their distance is photonSpacing; quality is the relative valley depth between them. Pixels where
 * this fails get NaN and BadPixelsFF flags (FF_NO_ENTRIES, FF_GAIN_EVAL_ERROR).
 */
import { BadPixel, DETCAL_VERSION, DetcalError, makeConstant, makeConstantSet, numberParam, resolveParameters, type ConstantSet, type GainRequest, type GainStep } from '@detcal/core';
import { PhotonPeakStatus, createPhotonSpacingAnalyzer, photonSpacingBytes } from '@detcal/kernels';
import { AGIPD_XRAY_PARAMETERS, xraySettings } from './gain-xray-parameters.js';
import { agipdGeometry } from './geometry.js';

/** Runs the X-ray tube step on request.runs[0]. */
export async function agipdXrayGain(request: GainRequest): Promise<ConstantSet> {
  const p = resolveParameters(AGIPD_XRAY_PARAMETERS, request.parameters);
  const g = agipdGeometry;
  if (request.runs.length !== 1) throw new DetcalError('BAD_INPUT', `the X-ray step reads one run, got ${request.runs.length}: pass one X-ray tube run`);
  const run = request.runs[0];
  if (run.rows !== g.moduleRows || run.cols !== g.moduleCols) {
    throw new DetcalError('SHAPE_MISMATCH', `${run.label}: frames are ${run.rows} x ${run.cols}, an AGIPD module is ${g.moduleRows} x ${g.moduleCols}; check --module / --dataset`);
  }
  const cell = numberParam(p, 'cell');
  const nPixels = g.moduleRows * g.moduleCols;
  let analyzer: ReturnType<typeof createPhotonSpacingAnalyzer> | undefined;
  let settings: ReturnType<typeof xraySettings> | undefined;
  const threads = Math.max(1, Math.min(request.threads ?? 1, 64));
  let used = 0;
  try {
    for await (const block of run.blocks()) {
      if (!analyzer) {
        settings = xraySettings(p, run.nFrames, block.data instanceof Uint16Array ? 'u2' : 'f4');
        analyzer = createPhotonSpacingAnalyzer(nPixels, settings, threads);
      }
      const frames: number[] = [];
      for (let f = 0; f < block.nFrames; f++) if (block.cellIds[f] === cell) frames.push(f);
      await analyzer.add(block.data, frames);
      used += frames.length;
      request.progress?.(block.nFrames, block.data.byteLength + (block.gain?.byteLength ?? 0), 'xray histograms');
    }
    if (!analyzer || !settings) throw new DetcalError('BAD_INPUT', `${run.label}: the run has no frames`);
    if (used === 0) throw new DetcalError('BAD_INPUT', `${run.label}: no frame of memory cell ${cell}; choose the cell with --param cell=N`);
    const out = await analyzer.finish();
    const badPixels = new Uint32Array(nPixels);
    let ok = 0, noEntries = 0, evalErrors = 0;
    for (let i = 0; i < nPixels; i++) {
      if (out.status[i] === PhotonPeakStatus.OK) ok++;
      else if (out.status[i] === PhotonPeakStatus.NO_ENTRIES) {
        noEntries++;
        badPixels[i] = BadPixel.FF_NO_ENTRIES;
      } else {
        evalErrors++;
        badPixels[i] = BadPixel.FF_GAIN_EVAL_ERROR;
      }
    }
    if (ok === 0 || ok < numberParam(p, 'min_ok_fraction') * nPixels) {
      throw new DetcalError('BAD_INPUT', `${run.label}: ${ok === 0 ? 'no pixel' : `only ${ok} of ${nPixels} pixels`} shows two photon peaks (${noEntries} without entries in histogram_range_adu, ${evalErrors} with fewer than two peaks); is this an X-ray tube run in high gain? check --param histogram_range_adu / min_peak_distance_adu / min_ok_fraction`);
    }
    const spacing = Float32Array.from(out.spacingAdu);
    const valid = Array.from(spacing).filter((v) => v === v).sort((a, b) => a - b);
    const shape = [g.moduleRows, g.moduleCols], dims = ['row', 'col'];
    return makeConstantSet(
      {
        detectorType: 'agipd',
        detectorId: request.detectorId,
        module: request.module,
        conditions: { ...request.conditions },
        sourceRuns: [run.run !== undefined ? String(run.run) : run.label],
        createdAt: new Date().toISOString(),
        toolVersion: DETCAL_VERSION,
        parameters: {
          step: 'xray',
          ...p,
          framesUsed: used,
          pixelsOk: ok,
          pixelsNoEntries: noEntries,
          pixelsEvalError: evalErrors,
          medianPhotonSpacingAdu: valid[valid.length >> 1],
          memoryBoundBytes: photonSpacingBytes(nPixels, settings.histogram),
        },
      },
      [
        makeConstant('photonSpacing', spacing, shape, dims, 'ADU'),
        makeConstant('quality', Float32Array.from(out.quality), shape, dims, ''),
        makeConstant('BadPixelsFF', badPixels, shape, dims, ''),
      ],
    );
  } finally {
    await analyzer?.close();
  }
}

/** The 'xray' gain step of the AGIPD plugin. */
export const AGIPD_XRAY_GAIN_STEPS: Readonly<Record<string, GainStep>> = {
  xray: {
    description: 'X-ray tube run -> photonSpacing (ADU per photon) and quality per pixel (running low-pass drift removal, two highest photon peaks)',
    inputs: [],
    parameters: AGIPD_XRAY_PARAMETERS,
    run: agipdXrayGain,
  },
};
