// The sweep's result files: the JSON report (schema 2), its CSV view, and the output-path checks
// shared by `sweep` and `merge`.
import { access, constants, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { ArgumentError } from "../errors.js";
import type { Run } from "../study/schema.js";
import { finalValAccuracy } from "./report.js";

/** Fails before any training if FILE cannot be written, or exists and --force was not given. */
export async function checkOutputFile(flag: string, file: string, force: boolean): Promise<void> {
  const path = resolve(file);
  const existing = await stat(path).catch(() => null);
  if (existing?.isDirectory()) throw new ArgumentError(`--${flag} ${file} is a directory`);
  if (existing && !force) throw new ArgumentError(`--${flag} ${file} already exists; pass --force to overwrite it`);
  await access(dirname(path), constants.W_OK).catch(() => {
    throw new ArgumentError(`--${flag} ${file} cannot be written: ${dirname(path)} is missing or not writable`);
  });
}

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
