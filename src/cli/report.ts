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
