/**
 * A benchmark section: `npm run bench` runs every section (bench/run.ts), or one with
 * `--only NAME`. A section returns flat figures keyed `${name}.${figure}` in
 * bench/results.json, and rows for BENCHMARKS.md. Benchmarks print figures; they are not tests.
 */
export interface BenchFigure {
  key: string;
  value: number | string;
  unit?: string;
  /** What the figure means, one line. */
  label: string;
  /** Target it is judged against, in words (e.g. ">= 0.5"), if any. */
  target?: string;
  pass?: boolean;
}

export interface BenchSection {
  name: string;
  /** Short description printed above the section's table. */
  title: string;
  run(log: (line: string) => void): Promise<BenchFigure[]>;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const idx = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[idx];
}
