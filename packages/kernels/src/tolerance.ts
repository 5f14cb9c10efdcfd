/**
 * Element-wise comparison against expected values with a stated tolerance, reporting index,
 * value, expected, delta and tolerance of each failure (for tests and `detcal` truth checks).
 */

/** One element outside its tolerance. */
export interface ToleranceFailure {
  /** Index of the element. */
  index: number;
  /** Value found. */
  value: number;
  /** Value expected. */
  expected: number;
  /** value - expected. */
  delta: number;
  /** Largest |delta| accepted at this index. */
  tolerance: number;
}

/** Outcome of {@link checkTolerance}. */
export interface ToleranceReport {
  /** True when every element is within its tolerance (NaN matches NaN). */
  ok: boolean;
  /** Elements compared. */
  compared: number;
  /** Failures, at most maxFailures of them, in index order. */
  failures: ToleranceFailure[];
  /** Total number of failing elements. */
  failed: number;
  /** Largest |delta| / tolerance seen (0 when all equal). */
  worstRatio: number;
}

/**
 * Compares `actual` with `expected` element by element: ok where |actual - expected| <= tolerance,
 * or both NaN.
 * @param actual - values to check
 * @param expected - reference values, same length
 * @param tolerance - a number for every element, or a function of (index, expected value) giving the tolerance there
 * @param maxFailures - failures kept in the report (default 10)
 * @returns the report; format it with formatToleranceReport
 */
export function checkTolerance(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tolerance: number | ((index: number, expected: number) => number),
  maxFailures = 10,
): ToleranceReport {
  if (actual.length !== expected.length) {
    return {
      ok: false,
      compared: 0,
      failed: Math.max(actual.length, expected.length),
      worstRatio: Infinity,
      failures: [{ index: -1, value: actual.length, expected: expected.length, delta: actual.length - expected.length, tolerance: 0 }],
    };
  }
  const failures: ToleranceFailure[] = [];
  let failed = 0;
  let worstRatio = 0;
  for (let i = 0; i < actual.length; i++) {
    const v = actual[i], e = expected[i];
    const tol = typeof tolerance === 'number' ? tolerance : tolerance(i, e);
    if (v !== v && e !== e) continue;
    const delta = v - e;
    const ratio = delta === 0 ? 0 : Math.abs(delta) / tol;
    if (ratio > worstRatio || ratio !== ratio) worstRatio = ratio !== ratio ? Infinity : ratio;
    if (!(Math.abs(delta) <= tol)) {
      failed++;
      if (failures.length < maxFailures) failures.push({ index: i, value: v, expected: e, delta, tolerance: tol });
    }
  }
  return { ok: failed === 0, compared: actual.length, failures, failed, worstRatio };
}

/**
 * One line per failure: `label[index]: value=... expected=... delta=... tolerance=...`.
 * @param report - from checkTolerance
 * @param label - name of the quantity compared (e.g. 'meanAdu')
 * @returns multi-line text, or an 'ok' line
 */
export function formatToleranceReport(report: ToleranceReport, label: string): string {
  if (report.ok) return `${label}: ${report.compared} values within tolerance (worst |delta|/tolerance ${report.worstRatio.toPrecision(3)})`;
  const lines = report.failures.map(
    (f) => `${label}[${f.index}]: value=${f.value} expected=${f.expected} delta=${f.delta.toExponential(3)} tolerance=${f.tolerance.toExponential(3)}`,
  );
  lines.unshift(`${label}: ${report.failed} of ${report.compared} values outside tolerance; first ${report.failures.length}:`);
  return lines.join('\n');
}
