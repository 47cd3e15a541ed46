// The study's text output: the notebook's per-rate dead-unit lines and one summary table. Runs of
// the default activation and initialiser (relu, glorot_uniform) print exactly the notebook's text;
// otherwise the activation and initialiser are named, and the tables gain one column for each.
import type { Run } from "../study/schema.js";
import { isDefaultCell } from "../study/grid.js";
import { HIDDEN_ACTIVATIONS, deadDefinition } from "../engine/activations.js";

const pct = (v: number) => `${(v * 100).toFixed(2)}%`;

export function finalValAccuracy(run: Run): number | null {
  const acc = run.history.val_accuracy;
  return acc.length ? acc[acc.length - 1] : null;
}

/** Whether the runs need activation and initialiser columns (any run not relu with glorot_uniform). */
const namesCell = (runs: Run[]) => runs.some((r) => !isDefaultCell(r));

/** How deadUnits() counted a unit as dead, for layers that are not ReLU (the notebook's "exactly 0" otherwise). */
const NEVER_POSITIVE = HIDDEN_ACTIVATIONS.filter((a) => deadDefinition(a) === "never-positive");
export const NEVER_POSITIVE_NOTE = `dead = output ≤ 0 on every probe image (never positive), since ${NEVER_POSITIVE.slice(0, -1).join(", ")} and ${NEVER_POSITIVE.at(-1)} outputs are rarely exactly 0`;

/** The notebook's cell output for one learning rate (with the activation and initialiser when not relu and glorot_uniform). */
export function runReport(run: Run): string {
  const cell = isDefaultCell(run)
    ? ""
    : `, Activation: ${run.activation ?? "relu"}, Kernel initializer: ${run.kernelInitializer ?? "glorot_uniform"}`;
  const lines = [
    `\nLayer-wise Dead ${(run.activation ?? "relu") === "relu" ? "ReLU" : "Unit"} Analysis for model with Learning Rate: ${run.learningRate}${cell}`,
  ];
  if (run.deadUnits.some((d) => d.definition === "never-positive")) lines.push(`(${NEVER_POSITIVE_NOTE})`);
  if (run.diverged) {
    lines.push(
      `Training diverged: the loss became NaN/Inf at epoch ${run.diverged.epoch}, step ${run.diverged.step}; training stopped there.`,
    );
  }
  for (const d of run.deadUnits) lines.push(`Layer ${d.layer}: ${pct(d.fraction)} neurons are dead`);
  const acc = finalValAccuracy(run);
  lines.push(`\nFinal Validation Accuracy: ${acc === null ? "n/a (no epoch completed)" : pct(acc)}`);
  return `${lines.join("\n")}\n`;
}

/** All rates in one table: dead fraction per layer, final validation accuracy, time. */
export function summaryTable(runs: Run[]): string {
  if (runs.length === 0) return "";
  const layers = runs[0].deadUnits.map((d) => `${d.layer} dead`);
  const named = namesCell(runs);
  const header = ["learning rate", ...(named ? ["activation", "init"] : []), ...layers, "val_accuracy", "time"];
  const rows = runs.map((r) => {
    const acc = finalValAccuracy(r);
    return [
      String(r.learningRate),
      ...(named ? [r.activation ?? "relu", r.kernelInitializer ?? "glorot_uniform"] : []),
      ...r.deadUnits.map((d) => `${pct(d.fraction)} (${d.dead}/${d.units})`),
      (acc === null ? "n/a" : pct(acc)) + (r.diverged ? " diverged" : ""),
      `${r.seconds.toFixed(1)}s`,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const left = named ? 3 : 1; // the rate (and activation, init) columns are left-aligned
  const fmt = (cells: string[]) =>
    cells.map((c, i) => (i < left ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return `${[fmt(header), widths.map((w) => "─".repeat(w)).join("  "), ...rows.map(fmt)].join("\n")}\n`;
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

export interface CellStats {
  learningRate: number;
  activation: string;
  kernelInitializer: string;
  seeds: number[];
  diverged: number;
  dead: (Stats | null)[];
  valAccuracy: Stats | null;
}

/**
 * Per cell — (learning rate, activation, initialiser), in order of first appearance — and column:
 * the statistics over its seeds.
 */
export function seedStats(runs: Run[]): CellStats[] {
  const key = (r: Run) =>
    JSON.stringify([r.learningRate, r.activation ?? "relu", r.kernelInitializer ?? "glorot_uniform"]);
  const cells = new Map<string, Run[]>();
  for (const r of runs) cells.set(key(r), [...(cells.get(key(r)) ?? []), r]);
  const layers = runs[0]?.deadUnits.map((d) => d.layer) ?? [];
  return [...cells.values()].map((group) => {
    const [{ learningRate, activation = "relu", kernelInitializer = "glorot_uniform" }] = group;
    return {
      learningRate,
      activation,
      kernelInitializer,
      seeds: group.map((r) => r.seed),
      diverged: group.filter((r) => r.diverged).length,
      dead: layers.map((l) =>
        stats(group.flatMap((r) => r.deadUnits.filter((d) => d.layer === l).map((d) => d.fraction))),
      ),
      valAccuracy: stats(group.map(finalValAccuracy).filter((a): a is number => a !== null)),
    };
  });
}

export const pctStats = (s: Stats | null) =>
  s === null
    ? "n/a"
    : `${(s.mean * 100).toFixed(2)}% ± ${(s.std * 100).toFixed(2)} (${(s.min * 100).toFixed(1)}–${(s.max * 100).toFixed(1)})`;

/**
 * Several seeds per cell (rate, or rate × activation × initialiser): each figure as mean ± sample
 * std (min–max), in percent, over the seeds; val_accuracy over the runs that completed an epoch.
 */
export function seedSummaryTable(runs: Run[]): string {
  if (runs.length === 0) return "";
  const layers = runs[0].deadUnits.map((d) => `${d.layer} dead`);
  const named = namesCell(runs);
  const header = [
    "learning rate",
    ...(named ? ["activation", "init"] : []),
    "seeds",
    ...layers,
    "val_accuracy",
    "diverged",
  ];
  const rows = seedStats(runs).map((g) => [
    String(g.learningRate),
    ...(named ? [g.activation, g.kernelInitializer] : []),
    String(g.seeds.length),
    ...g.dead.map(pctStats),
    pctStats(g.valAccuracy),
    `${g.diverged}/${g.seeds.length}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const left = named ? 3 : 1;
  const fmt = (cells: string[]) =>
    cells.map((c, i) => (i < left ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return `${[fmt(header), widths.map((w) => "─".repeat(w)).join("  "), ...rows.map(fmt)].join("\n")}\n`;
}

/**
 * The summary's title: "dead ReLU units" for ReLU-only runs (the text of before), else the
 * dead-unit definitions used.
 */
export function summaryTitle(runs: Run[], probe: number, per: string): string {
  const other = runs.some((r) => r.deadUnits.some((d) => d.definition === "never-positive"));
  const dead = other
    ? `dead units (on ${probe} probe images; relu: output exactly 0, ${NEVER_POSITIVE.join("/")}: never positive)`
    : `dead ReLU units (on ${probe} probe images)`;
  return `Summary: ${dead} and final validation accuracy per ${per}`;
}
