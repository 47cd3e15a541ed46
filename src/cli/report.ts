// The study's text output: the notebook's per-rate dead-unit lines and one summary table.
import type { Run } from "../study.js";

const pct = (v: number) => `${(v * 100).toFixed(2)}%`;

export function finalValAccuracy(run: Run): number | null {
  const acc = run.history.val_accuracy;
  return acc.length ? acc[acc.length - 1] : null;
}

/** The notebook's cell output for one learning rate. */
export function runReport(run: Run): string {
  const lines = [`\nLayer-wise Dead ReLU Analysis for model with Learning Rate: ${run.learningRate}`];
  if (run.diverged) {
    lines.push(`Training diverged: the loss became NaN/Inf at epoch ${run.diverged.epoch}, step ${run.diverged.step}; training stopped there.`);
  }
  for (const d of run.deadUnits) lines.push(`Layer ${d.layer}: ${pct(d.fraction)} neurons are dead`);
  const acc = finalValAccuracy(run);
  lines.push(`\nFinal Validation Accuracy: ${acc === null ? "n/a (no epoch completed)" : pct(acc)}`);
  return lines.join("\n") + "\n";
}

/** All rates in one table: dead fraction per layer, final validation accuracy, time. */
export function summaryTable(runs: Run[]): string {
  if (runs.length === 0) return "";
  const layers = runs[0].deadUnits.map((d) => `${d.layer} dead`);
  const header = ["learning rate", ...layers, "val_accuracy", "time"];
  const rows = runs.map((r) => {
    const acc = finalValAccuracy(r);
    return [
      String(r.learningRate),
      ...r.deadUnits.map((d) => `${pct(d.fraction)} (${d.dead}/${d.units})`),
      (acc === null ? "n/a" : pct(acc)) + (r.diverged ? " diverged" : ""),
      `${r.seconds.toFixed(1)}s`,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [fmt(header), widths.map((w) => "─".repeat(w)).join("  "), ...rows.map(fmt)].join("\n") + "\n";
}

/** Mean, sample standard deviation (n − 1; 0 for one value), min and max. */
export interface Stats {
  n: number;
  mean: number;
  std: number;
  min: number;
  max: number;
}

export function stats(values: number[]): Stats | null {
  const n = values.length;
  if (n === 0) return null;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const std = n > 1 ? Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1)) : 0;
  return { n, mean, std, min: Math.min(...values), max: Math.max(...values) };
}

/** Per learning rate (in order of first appearance) and column: the statistics over its seeds. */
export function seedStats(runs: Run[]): { learningRate: number; seeds: number[]; diverged: number; dead: (Stats | null)[]; valAccuracy: Stats | null }[] {
  const rates = [...new Set(runs.map((r) => r.learningRate))];
  const layers = runs[0]?.deadUnits.map((d) => d.layer) ?? [];
  return rates.map((learningRate) => {
    const group = runs.filter((r) => r.learningRate === learningRate);
    return {
      learningRate,
      seeds: group.map((r) => r.seed),
      diverged: group.filter((r) => r.diverged).length,
      dead: layers.map((l) => stats(group.flatMap((r) => r.deadUnits.filter((d) => d.layer === l).map((d) => d.fraction)))),
      valAccuracy: stats(group.map(finalValAccuracy).filter((a): a is number => a !== null)),
    };
  });
}

const pctStats = (s: Stats | null) =>
  s === null ? "n/a" : `${(s.mean * 100).toFixed(2)}% ± ${(s.std * 100).toFixed(2)} (${(s.min * 100).toFixed(1)}–${(s.max * 100).toFixed(1)})`;

/**
 * Several seeds per rate: each figure as mean ± sample std (min–max), in percent, over the seeds;
 * val_accuracy over the runs that completed an epoch.
 */
export function seedSummaryTable(runs: Run[]): string {
  if (runs.length === 0) return "";
  const layers = runs[0].deadUnits.map((d) => `${d.layer} dead`);
  const header = ["learning rate", "seeds", ...layers, "val_accuracy", "diverged"];
  const rows = seedStats(runs).map((g) => [
    String(g.learningRate),
    String(g.seeds.length),
    ...g.dead.map(pctStats),
    pctStats(g.valAccuracy),
    `${g.diverged}/${g.seeds.length}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [fmt(header), widths.map((w) => "─".repeat(w)).join("  "), ...rows.map(fmt)].join("\n") + "\n";
}
