// What the tables and charts draw, derived from the page state: the notebook's final table as data
// and uPlot's aligned series. Apart from state.ts, which only changes the state.
import type { Run } from "../study/schema.js";
import type { DeadUnits } from "../engine/dead-units.js";
import { deadDefinition, type EpochPoint, type LabState } from "./state.js";

export interface LayerCell {
  /** "96.88% (124/128)" */
  text: string;
  fraction: number;
  dead: number;
  units: number;
  nearlyDead: number | null;
  dormant: number | null;
  /** Units that came back over the run: the sum of every epoch's revivals. */
  revived: number | null;
  /** Units ReDo re-initialised over the run; null without ReDo. */
  recycled: number | null;
}

export interface TableRow {
  learningRate: number;
  activation: string;
  definition: "zero" | "never-positive";
  /** Per hidden layer. */
  dead: LayerCell[];
  valAccuracy: number | null;
  seconds: number;
  diverged: boolean;
}

const pct = (v: number) => `${(v * 100).toFixed(2)}%`;

/** The notebook's final table, one row per finished run (the CLI's summary table as data), with the other definitions. */
export function tableRows(runs: Run[]): { layers: string[]; rows: TableRow[] } {
  const layers = runs[0]?.deadUnits.map((d) => d.layer) ?? [];
  const rows = runs.map((r) => {
    const activation = r.activation ?? "relu";
    return {
      learningRate: r.learningRate,
      activation,
      definition: r.deadUnits[0]?.definition ?? deadDefinition(activation),
      dead: r.deadUnits.map((d, l) => ({
        text: `${pct(d.fraction)} (${d.dead}/${d.units})`,
        fraction: d.fraction,
        dead: d.dead,
        units: d.units,
        nearlyDead: d.nearlyDead ?? null,
        dormant: d.dormant ?? null,
        revived: r.deadUnitsPerEpoch.length ? r.deadUnitsPerEpoch.reduce((s, e) => s + (e[l]?.revived ?? 0), 0) : null,
        recycled: r.recycledPerEpoch ? r.recycledPerEpoch.reduce((s, e) => s + (e[l]?.recycled ?? 0), 0) : null,
      })),
      valAccuracy: r.history.val_accuracy.length ? r.history.val_accuracy[r.history.val_accuracy.length - 1] : null,
      seconds: r.seconds,
      diverged: r.diverged !== null,
    };
  });
  return { layers, rows };
}

export const percent = pct;

// ── Chart data (uPlot's aligned arrays: x values, then one array per series) ─────────────────

/** Epochs 1…E on the x axis. */
export function epochAxis(state: LabState): number[] {
  return Array.from({ length: state.config.epochs }, (_, i) => i + 1);
}

/** Epochs 0…E: 0 is the untrained model's probe. */
export function deadAxis(state: LabState): number[] {
  return Array.from({ length: state.config.epochs + 1 }, (_, i) => i);
}

/** Per run, a value per epoch (null until that epoch completes). */
export function perEpoch(state: LabState, pick: (p: EpochPoint) => number | undefined): (number | null)[][] {
  return state.runs.map((r) =>
    epochAxis(state).map((_, e) => {
      const v = r.epochs[e] ? pick(r.epochs[e]) : undefined;
      return v === undefined || !Number.isFinite(v) ? null : v;
    }),
  );
}

/** Per run, two series: training then validation, of "loss" or "accuracy". */
export function trainAndVal(state: LabState, metric: "loss" | "accuracy"): (number | null)[][] {
  const train = perEpoch(state, (p) => p.logs[metric]);
  const val = perEpoch(state, (p) => (metric === "loss" ? p.logs.val_loss : p.logs.val_accuracy));
  return state.runs.flatMap((_, i) => [train[i], val[i]]);
}

/** The dead-unit charts' measures: each a share of the layer's units. */
export const DEAD_METRICS = ["dead", "nearlyDead", "dormant", "revived"] as const;
export type DeadMetric = (typeof DEAD_METRICS)[number];

/**
 * Per run, a layer's share of units that are dead (or nearly dead, τ-dormant, or revived since
 * the previous probe) at epochs 0…E; epoch 0 is before training (nothing can have revived yet).
 */
export function deadFractions(state: LabState, layer: number, metric: DeadMetric = "dead"): (number | null)[][] {
  const share = (d: DeadUnits | undefined) => {
    const n = d?.[metric];
    return d && n !== undefined ? n / d.units : null;
  };
  return state.runs.map((r) =>
    deadAxis(state).map((e) => {
      if (e === 0) return metric === "revived" ? null : share(r.before?.[layer]);
      return share(r.epochs[e - 1]?.dead[layer]);
    }),
  );
}

/** The live chart: x in epochs (fractional, at each step's end), the running loss per run. */
export function batchChart(state: LabState): [number[], ...(number | null)[][]] {
  const steps = state.steps ?? 1;
  const x = Array.from({ length: state.config.epochs * steps }, (_, i) => (i + 1) / steps);
  return [x, ...state.runs.map((r) => (r.batchLoss.length === x.length ? r.batchLoss : x.map(() => null)))];
}

/** Overall progress in [0, 1]: finished steps over all runs' steps. */
export function overallProgress(state: LabState): number {
  if (!state.steps) return 0;
  const perRun = state.config.epochs * state.steps;
  let done = 0;
  for (const r of state.runs) {
    if (r.run) done += perRun;
    else if (r.progress) done += r.progress.epoch * state.steps + r.progress.step + 1;
  }
  return Math.min(1, done / (perRun * state.runs.length));
}
