import { type GrowthRow } from './results';

/**
 * How a figure grows with the number of payouts. Elasticity per step = log(v2/v1) / log(n2/n1): 0 means
 * the figure does not change, 1 that it grows in proportion (linear), above 1 faster. The knee is the
 * first step where the elasticity jumps.
 */
export function growthRow(
  figure: string,
  unit: string,
  values: { size: number; value: number }[],
): GrowthRow {
  const points = values.filter((point) => Number.isFinite(point.value) && point.value > 0);
  const elasticity: number[] = [];
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]!;
    const b = points[i]!;
    elasticity.push(Math.round((Math.log(b.value / a.value) / Math.log(b.size / a.size)) * 100) / 100);
  }
  return { figure, unit, values, elasticity, verdict: verdict(elasticity, points) };
}

function describe(e: number): string {
  if (Math.abs(e) < 0.15) return 'flat';
  if (e <= -0.15) return 'falls';
  if (e < 0.85) return 'sub-linear';
  if (e <= 1.15) return 'linear';
  return 'super-linear';
}

function verdict(elasticity: number[], points: { size: number }[]): string {
  if (elasticity.length === 0) return 'one size only';
  const words = elasticity.map(describe);
  const knee = words.findIndex((word, i) => i > 0 && word !== words[i - 1]);
  const steps = words.map((word, i) => `${points[i]!.size}→${points[i + 1]!.size}: ${word}`).join(', ');
  return knee > 0 ? `${steps} (knee after ${points[knee]!.size})` : steps;
}
