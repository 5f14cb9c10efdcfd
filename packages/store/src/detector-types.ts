/**
 * Names of detector types and constant types as detcal, LCLS and EuXFEL spell them: detcal plugin ids
 * are canonical (the LCLS name epix100a is the detcal epix100), psana calib groups map to them, and the
 * LCLS repository short ctype names (gain, rms, status) map to the calib-dir names.
 */

/** LCLS (or other) detector type names -> detcal plugin id. */
const DETECTOR_SYNONYMS: Readonly<Record<string, string>> = { epix100a: 'epix100' };

/** psana calib group (`<Group>::CalibV1`) of each detector type detcal or psana knows. */
const PSANA_GROUPS: Readonly<Record<string, string>> = {
  epix100: 'Epix100a::CalibV1',
  epix10ka: 'Epix10ka::CalibV1',
  epix10kaquad: 'Epix10kaQuad::CalibV1',
  epix10ka2m: 'Epix10ka2M::CalibV1',
  jungfrau: 'Jungfrau::CalibV1',
  pnccd: 'PNCCD::CalibV1',
  cspad: 'CsPad::CalibV1',
  cspad2x2: 'CsPad2x2::CalibV1',
  andor: 'Andor::CalibV1',
  epix: 'Epix::CalibV1',
  princeton: 'Princeton::CalibV1',
};

/** LCLS repository short names of calib types -> calib-dir names (as UtilsDeployConstants maps them). */
const CTYPE_SYNONYMS: Readonly<Record<string, string>> = { gain: 'pixel_gain', rms: 'pixel_rms', status: 'pixel_status' };

/** The canonical (detcal) name of a detector type: lower case, LCLS synonyms resolved (epix100a -> epix100). */
export function canonicalDetectorType(name: string): string {
  const lower = name.trim().toLowerCase();
  return DETECTOR_SYNONYMS[lower] ?? lower;
}

/** The canonical name of a constant type (gain -> pixel_gain, rms -> pixel_rms, status -> pixel_status). */
export function canonicalCtype(name: string): string {
  const trimmed = name.trim();
  return CTYPE_SYNONYMS[trimmed] ?? trimmed;
}

/** The psana calib group of a detector type, if known (epix100 -> Epix100a::CalibV1). */
export function psanaGroupFor(detectorType: string): string | undefined {
  return PSANA_GROUPS[canonicalDetectorType(detectorType)];
}

/** The detector type of a psana calib group (Epix100a::CalibV1 -> epix100; unknown groups: lower-cased name). */
export function detectorTypeForGroup(group: string): string {
  const hit = Object.entries(PSANA_GROUPS).find(([, g]) => g.toLowerCase() === group.toLowerCase());
  return hit ? hit[0] : canonicalDetectorType(group.replace(/::.*$/, ''));
}
