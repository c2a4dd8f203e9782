import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { type BenchResults } from './results';
import { type LatencySummary } from './stats';

/**
 * The latency chart: an SVG drawn here (no chart library), screenshot in headless Chromium. Two panels with
 * a log-scale latency axis: end-to-end vs the engine ceiling by concurrency, and webhook acknowledgement vs
 * wake-up by number of open payouts. Each group shows p50, p95 and p99.
 */

interface Group {
  label: string;
  series: { name: string; color: string; latency: LatencySummary }[];
}

const WIDTH = 1400;
const HEIGHT = 660;
const PERCENTILES = [
  ['p50', 'p50Ms'],
  ['p95', 'p95Ms'],
  ['p99', 'p99Ms'],
] as const;

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function panel(title: string, groups: Group[], x0: number, width: number): string {
  const top = 70;
  const bottom = HEIGHT - 110;
  const left = x0 + 70;
  const right = x0 + width - 20;
  const values = groups.flatMap((g) => g.series.flatMap((s) => PERCENTILES.map(([, key]) => s.latency[key])));
  const finite = values.filter((v) => Number.isFinite(v) && v > 0);
  const min = 10 ** Math.floor(Math.log10(Math.min(...finite, 100)));
  const max = 10 ** Math.ceil(Math.log10(Math.max(...finite, 1000)));
  const y = (v: number) =>
    bottom - ((Math.log10(v) - Math.log10(min)) / (Math.log10(max) - Math.log10(min))) * (bottom - top);
  const parts: string[] = [`<text x="${x0 + width / 2}" y="35" class="title">${escape(title)}</text>`];
  for (let tick = min; tick <= max; tick *= 10) {
    const label = tick >= 1000 ? `${tick / 1000} s` : `${tick} ms`;
    parts.push(
      `<line x1="${left}" x2="${right}" y1="${y(tick)}" y2="${y(tick)}" class="grid"/>`,
      `<text x="${left - 8}" y="${y(tick) + 4}" class="tick" text-anchor="end">${label}</text>`,
    );
  }
  const groupWidth = (right - left) / Math.max(1, groups.length);
  groups.forEach((group, gi) => {
    const bars = group.series.length * PERCENTILES.length;
    const barWidth = Math.min(22, (groupWidth - 20) / bars);
    const start = left + gi * groupWidth + (groupWidth - barWidth * bars) / 2;
    group.series.forEach((series, si) => {
      PERCENTILES.forEach(([name, key], pi) => {
        const value = series.latency[key];
        if (!Number.isFinite(value) || value <= 0) return;
        const x = start + (si * PERCENTILES.length + pi) * barWidth;
        const opacity = [1, 0.7, 0.45][pi];
        parts.push(
          `<rect x="${x}" y="${y(value)}" width="${barWidth - 2}" height="${bottom - y(value)}" fill="${series.color}" fill-opacity="${opacity}"><title>${escape(`${series.name} ${name}: ${value} ms`)}</title></rect>`,
        );
        if (pi === 2) {
          parts.push(
            `<text x="${x + barWidth / 2}" y="${y(value) - 4}" class="value" text-anchor="middle">${value >= 1000 ? `${(value / 1000).toFixed(1)}s` : Math.round(value)}</text>`,
          );
        }
      });
    });
    parts.push(
      `<text x="${left + gi * groupWidth + groupWidth / 2}" y="${bottom + 22}" class="tick" text-anchor="middle">${escape(group.label)}</text>`,
    );
  });
  parts.push(`<line x1="${left}" x2="${right}" y1="${bottom}" y2="${bottom}" class="axis"/>`);
  const legend = groups[0]?.series ?? [];
  legend.forEach((series, i) => {
    const ly = bottom + 40 + i * 18;
    parts.push(
      `<rect x="${left}" y="${ly}" width="14" height="14" fill="${series.color}"/>`,
      `<text x="${left + 20}" y="${ly + 12}" class="legend">${escape(series.name)}</text>`,
    );
  });
  parts.push(
    `<text x="${right}" y="${bottom + 52}" class="legend" text-anchor="end">bars: p50, p95, p99 (darker to lighter)</text>`,
  );
  return parts.join('\n');
}

export function chartSvg(results: BenchResults): string {
  const runs = [...results.e2e.sweep, ...results.e2e.series];
  const e2eGroups: Group[] = runs.map((run) => ({
    label: `${run.concurrency} in flight × ${run.payouts}`,
    series: [
      { name: 'end-to-end payout', color: '#1f77b4', latency: run.e2e.latency },
      { name: 'engine ceiling', color: '#7f7f7f', latency: run.ceiling.latency },
    ],
  }));
  const webhookGroups: Group[] = results.webhooks.map((level) => ({
    label: `${level.openPayouts} open`,
    series: [
      { name: 'webhook → 200', color: '#2ca02c', latency: level.run.ackLatency },
      { name: 'webhook → workflow acts', color: '#d62728', latency: level.run.wakeLatency },
    ],
  }));
  const m = results.machine;
  const caption = `${m.cores} cores ${m.cpuModel}, Node ${m.node}, Temporal CLI ${m.temporalCli}, SDK ${m.temporalSdk} — ${results.mode} run ${results.finishedAt}`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}">
<style>
 .title { font: bold 18px sans-serif; text-anchor: middle; }
 .tick, .legend { font: 12px sans-serif; fill: #333; }
 .value { font: 10px sans-serif; fill: #333; }
 .grid { stroke: #ddd; }
 .axis { stroke: #333; }
 .caption { font: 12px sans-serif; fill: #666; }
</style>
<rect width="100%" height="100%" fill="white"/>
${panel('End-to-end payouts vs engine ceiling: latency', e2eGroups, 0, WIDTH * 0.62)}
${panel('Webhooks: acknowledged vs acted on', webhookGroups, WIDTH * 0.62, WIDTH * 0.38)}
<text x="${WIDTH / 2}" y="${HEIGHT - 8}" class="caption" text-anchor="middle">${escape(caption)}</text>
</svg>`;
}

/** Writes latency.svg and screenshots it to latency.png in headless Chromium. */
export async function renderChart(results: BenchResults, outDir: string): Promise<string> {
  const svg = chartSvg(results);
  writeFileSync(path.join(outDir, 'latency.svg'), svg);
  const png = path.join(outDir, 'latency.png');
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu'],
    timeout: 60_000,
  });
  try {
    const page = await browser.newPage({ viewport: { width: WIDTH, height: HEIGHT } });
    await page.setContent(`<!doctype html><html><body style="margin:0">${svg}</body></html>`, {
      timeout: 30_000,
    });
    await page.locator('svg').screenshot({ path: png, timeout: 30_000 });
  } finally {
    await browser.close();
  }
  return png;
}
