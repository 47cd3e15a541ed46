// The CSV view of a sweep's runs.
import type { Run } from "../study/schema.js";
import { finalValAccuracy } from "./report.js";

const csvCell = (v: string | number | null) => {
  const s = v === null ? "" : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/**
 * One row per run: learning_rate, seed, final_val_accuracy, final_val_loss, `dead_<layer>` (the
 * fraction of dead units on the probe after training) per hidden layer, diverged_epoch,
 * diverged_step (empty when the run did not diverge or has no validation figure), then
 * activation and kernel_initializer (added last so that the earlier columns keep their places).
 */
export function runsCsv(runs: Run[]): string {
  const layers = runs[0]?.deadUnits.map((d) => d.layer) ?? [];
  const header = [
    "learning_rate",
    "seed",
    "final_val_accuracy",
    "final_val_loss",
    ...layers.map((l) => `dead_${l}`),
    "diverged_epoch",
    "diverged_step",
    "activation",
    "kernel_initializer",
  ];
  const rows = runs.map((r) => {
    const loss = r.history.val_loss;
    return [
      r.learningRate,
      r.seed,
      finalValAccuracy(r),
      loss.length ? loss[loss.length - 1] : null,
      ...layers.map((l) => r.deadUnits.find((d) => d.layer === l)?.fraction ?? null),
      r.diverged?.epoch ?? null,
      r.diverged?.step ?? null,
      r.activation ?? "relu",
      r.kernelInitializer ?? "glorot_uniform",
    ];
  });
  return `${[header, ...rows].map((row) => row.map(csvCell).join(",")).join("\n")}\n`;
}
