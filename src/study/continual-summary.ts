// The continual study's summary: per run, the online accuracy of the first, best and last task,
// and the dead share, first layer's effective rank and weight magnitude at the first and last.
import type { ContinualRun, TaskRecord } from "./continual.js";
import type { Method } from "./continual-config.js";

export const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

/** One colour per method, the same in the HTML report and the lab. */
export const METHOD_COLORS: Record<Method, string> = {
  bp: "#d1495b",
  l2: "#e8871e",
  snp: "#8e5ea2",
  redo: "#2a9d8f",
  cbp: "#3d5a98",
};

/** Dead units over all hidden layers, as a share of their units. */
export const deadShare = (t: TaskRecord) =>
  t.deadUnits.reduce((s, d) => s + d.dead, 0) / t.deadUnits.reduce((s, d) => s + d.units, 0);

export function summaryRows(runs: ContinualRun[]): { header: string[]; rows: string[][] } {
  const header = [
    "method",
    "seed",
    "acc task 1",
    "best",
    "last",
    "dead first→last",
    "eff. rank L1 first→last",
    "|w| first→last",
    "steps/s",
  ];
  const rows = runs.map((r) => {
    const first = r.tasks[0];
    const last = r.tasks[r.tasks.length - 1];
    const best = Math.max(...r.tasks.map((t) => t.onlineAccuracy));
    return [
      r.method + (r.diverged ? " (diverged)" : ""),
      String(r.seed),
      pct(first.onlineAccuracy),
      pct(best),
      pct(last.onlineAccuracy),
      `${pct(deadShare(first))} → ${pct(deadShare(last))}`,
      `${first.effectiveRank[0].toFixed(1)} → ${last.effectiveRank[0].toFixed(1)}`,
      `${first.weightMagnitude.toFixed(4)} → ${last.weightMagnitude.toFixed(4)}`,
      String(Math.round(r.stepsPerSecond)),
    ];
  });
  return { header, rows };
}

/** The summary as aligned text. */
export function summaryTable(runs: ContinualRun[]): string {
  const { header, rows } = summaryRows(runs);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [line(header), widths.map((w) => "─".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

/** One row per run and task: the task's figures, per hidden layer where they are per layer. */
export function continualCsv(runs: ContinualRun[]): string {
  const layers = runs[0]?.tasks[0]?.deadUnits.map((d) => d.layer) ?? [];
  const perLayer = (name: string) => layers.map((l) => `${name}_${l}`);
  const header = [
    "method",
    "seed",
    "task",
    "online_accuracy",
    "loss",
    ...perLayer("dead_fraction"),
    ...perLayer("effective_rank"),
    ...perLayer("approximate_rank"),
    "weight_magnitude",
    ...perLayer("replaced"),
  ];
  const rows = runs.flatMap((r) =>
    r.tasks.map((t) =>
      [
        r.method,
        r.seed,
        t.task,
        t.onlineAccuracy,
        t.loss,
        ...t.deadUnits.map((d) => d.fraction),
        ...t.effectiveRank,
        ...t.approximateRank,
        t.weightMagnitude,
        ...t.replaced,
      ].join(","),
    ),
  );
  return `${[header.join(","), ...rows].join("\n")}\n`;
}
