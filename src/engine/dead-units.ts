// What "dead" means in a probe's report: the DeadUnits record per layer, the nearly-dead and
// τ-dormant (Sokar et al. 2023) definitions beside the notebook's, and their defaults.

export interface DeadUnits {
  layer: string;
  units: number;
  dead: number;
  fraction: number;
  /**
   * "zero" for ReLU layers: the output is exactly 0 on every probe sample (the notebook's test);
   * "never-positive" for leaky_relu, elu and gelu, whose outputs are rarely exactly 0: the output
   * is ≤ 0 on every probe sample. Always set by deadUnits().
   */
  definition?: "zero" | "never-positive";
  /**
   * Units active (output > 0) on fewer than `nearlyDeadThreshold` (default 0.01, i.e. 1 %) of
   * the probe samples; includes the dead ones. Set by deadUnits() (optional for older records).
   */
  nearlyDead?: number;
  /**
   * τ-dormant units (Sokar et al. 2023, "The Dormant Neuron Phenomenon in Deep RL"): unit i's
   * score s_i = mean_x |h_i(x)| / ((1/H) Σ_j mean_x |h_j(x)|) is ≤ τ (default 0.025); when the
   * layer's mean activity is 0 every unit is dormant. Set by deadUnits() (optional for older records).
   */
  dormant?: number;
  /**
   * Only in runStudy's per-epoch records: units dead on the probe at the previous epoch (before
   * training, for the first) and alive now.
   */
  revived?: number;
}

/** One layer's probe statistics (Sequential.unitActivity). */
export interface UnitActivity {
  layer: string;
  /** Probe samples. */
  samples: number;
  /** Per unit, the samples on which the output was > 0. */
  active: Uint32Array;
  /** Per unit, Σ |output| over the samples, accumulated in f32. */
  absSum: Float32Array;
}

/** Thresholds of deadUnits' additional definitions. */
export interface DeadUnitsOptions {
  /** A unit is nearly dead when active on fewer than this fraction of the probe samples (default 0.01). */
  nearlyDeadThreshold?: number;
  /** A unit is τ-dormant when its normalised mean |activation| is ≤ τ (default 0.025). */
  tau?: number;
}

export const DEFAULT_NEARLY_DEAD_THRESHOLD = 0.01;
export const DEFAULT_TAU = 0.025;

/**
 * nearlyDead and dormant from a layer's probe counts (samples with output > 0) and Σ|output| over
 * n samples. Dormancy compares sums rather than means: s_i ≤ τ ⇔ H·Σ_x|h_i| ≤ τ·Σ_j Σ_x|h_j|.
 */
export function activityCounts(
  active: ArrayLike<number>,
  absSum: ArrayLike<number>,
  n: number,
  threshold: number,
  tau: number,
): { nearlyDead: number; dormant: number } {
  const units = active.length;
  let nearlyDead = 0;
  let total = 0;
  for (let j = 0; j < units; j++) {
    if (active[j] < threshold * n) nearlyDead++;
    total += absSum[j];
  }
  let dormant = 0;
  if (!(total > 0))
    dormant = units; // no activity at all (or an empty probe): every unit is dormant
  else for (let j = 0; j < units; j++) if ((absSum[j] * units) / total <= tau) dormant++;
  return { nearlyDead, dormant };
}
