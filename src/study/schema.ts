// The study's results as files hold them: one run's record and the report that `sweep --json`
// writes, `merge` joins and the lab downloads (schema 2).
import type { Divergence, History } from "../engine/types.js";
import type { DeadUnits } from "../engine/dead-units.js";
import type { Initializer } from "../engine/initializers.js";
import type { HiddenActivation } from "../engine/activations.js";
import type { Shard } from "./grid.js";
import type { StudyConfig } from "./config.js";

export interface Run {
  learningRate: number;
  /** The hidden layers' activation and the kernel initialiser (absent in files from before they were options). */
  activation?: HiddenActivation;
  kernelInitializer?: Initializer;
  seed: number;
  history: History["history"];
  deadUnits: DeadUnits[];
  /**
   * The dead units on the probe after each completed epoch (one entry per epoch; fewer if it
   * diverged), each layer's entry with `revived`: units dead at the previous epoch (or before
   * training) that fire again.
   */
  deadUnitsPerEpoch: DeadUnits[][];
  /**
   * Per hidden layer, per unit: the last completed epoch (0-based) after which the unit fired on
   * the probe, −1 if it was dead after every epoch. Absent in files from before it was recorded.
   */
  lastFiredEpoch?: number[][];
  /**
   * Per hidden layer, per unit: the last training step (counted from 1 across epochs; 0 is before
   * training) after which the unit fired on the probe, −1 if it never did. The probe runs after
   * every epoch and, with config.probeEvery, every probeEvery steps, so this is exact to that
   * resolution. Absent in files from before it was recorded.
   */
  lastFiredStep?: number[][];
  /**
   * With config.probeEvery: the dead units on the probe after every probeEvery-th training step
   * (1-based, counted across epochs), as deadUnits' entries.
   */
  deadUnitsPerStep?: { step: number; layers: DeadUnits[] }[];
  /** With config.recycle: per completed epoch, per hidden layer, the units ReDo recycled in it. */
  recycledPerEpoch?: { layer: string; recycled: number }[][];
  /** The dead units on the probe before training (absent in files from before it was recorded). */
  deadUnitsBeforeTraining?: DeadUnits[];
  /**
   * Per hidden layer, the final dead mask: one character per unit, "1" dead and "0" alive, from
   * the same probe as deadUnits (absent in files from before it was recorded).
   */
  deadMasks?: string[];
  diverged: Divergence | null;
  seconds: number;
}

export const SCHEMA_VERSION = 2;

export interface ReportConfig extends StudyConfig {
  backend: string;
  data: string;
  /** Seeds per learning rate: seed, seed + 1, … (schema 2). */
  seeds: number;
  /** The slice of the grid this file holds, or null for the whole grid (schema 2). */
  shard: Shard | null;
  /**
   * The grid's hidden activations and kernel initialisers (schema 2, added later; a file without
   * them is a ["relu"] × ["glorot_uniform"] grid). `alpha` is there only when --alpha was given.
   */
  activations?: HiddenActivation[];
  initializers?: Initializer[];
  /** Threads each run was split over (added later; results depend on it, so merge compares it). */
  threads?: number;
  /** The lab's downloads: the runs trained on the first `subset` training images only. */
  subset?: number;
}

/**
 * What `--json` writes. Schema 1 was `{ config, runs }` with runs of `{ learningRate, seed, history,
 * deadUnits, diverged, seconds }`; schema 2 keeps all of it and adds `schemaVersion`,
 * `config.seeds`, `config.shard` and `runs[].deadUnitsPerEpoch`. Later, still schema 2 because
 * the change is additive (a reader of the first schema 2 files reads these too): `config.activations`,
 * `config.initializers`, `config.alpha` (with --alpha only), `runs[].activation`,
 * `runs[].kernelInitializer` and `runs[].deadUnits[].definition`; then `runs[].deadUnitsBeforeTraining`
 * (the untrained model's probe) and `runs[].deadMasks` (per layer the final dead mask, a string
 * with "1" per dead unit and "0" per live one).
 */
export interface Report {
  schemaVersion: typeof SCHEMA_VERSION;
  config: ReportConfig;
  runs: Run[];
}
