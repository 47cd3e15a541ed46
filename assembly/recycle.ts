// ReDo, "Recycling Dormant neurons" (Sokar, Agarwal, Castro, Evci 2023, "The Dormant Neuron
// Phenomenon in Deep Reinforcement Learning", Algorithm 1): a hidden unit is τ-dormant when its
// score s_i = mean_x |h_i(x)| / ((1/H) Σ_j mean_x |h_j(x)|) on a probe batch is ≤ τ; each dormant
// unit gets fresh incoming weights from its layer's initialiser (bias 0, or RAI's draw), its
// outgoing weights are set to 0 so the network's function does not jump, and the optimizer's
// moments of every weight touched are reset, as the paper does. Layers go first to last, so
// where a recycled unit's zeroed outgoing row crosses a recycled unit's column in the next layer
// the redraw wins: that unit's incoming weights are all fresh (its output is unused either way).
import { Model, layerAt } from "./model";
import { initUnit } from "./init";

/**
 * Recycles the τ-dormant units of every hidden layer, judged on the probe statistics of the last
 * deadReset + deadAccumulate pass (each unit's Σ|output|, `absSum`). inits: one i32 initialiser
 * code per layer. flags: one i32 per hidden unit, layer after layer (units, not padded widths),
 * set to 1 for each recycled unit and 0 otherwise. Returns how many units were recycled.
 *
 * The score test is the host's activityCounts exactly: H·Σ_x|h_i| ≤ τ·Σ_j Σ_x|h_j| in f64 as
 * (absSum_i·H)/total ≤ τ, and a layer without any activity is dormant as a whole.
 */
export function modelRecycle(m: Model, tau: f64, inits: usize, flags: usize): i32 {
  let recycled = 0;
  let flag = flags;
  for (let l = 0; l < m.nLayers - 1; l++) {
    const layer = layerAt(m, l);
    const next = layerAt(m, l + 1);
    const units = layer.units;
    let total: f64 = 0;
    for (let j = 0; j < units; j++) total += <f64>load<f32>(layer.absSum + ((<usize>j) << 2));
    const fanIn = l == 0 ? m.inputSize : layerAt(m, l - 1).units;
    const init = load<i32>(inits + ((<usize>l) << 2));
    for (let j = 0; j < units; j++) {
      const dormant = !(total > 0) || (<f64>load<f32>(layer.absSum + ((<usize>j) << 2)) * <f64>units) / total <= tau;
      store<i32>(flag + ((<usize>j) << 2), dormant ? 1 : 0);
      if (!dormant) continue;
      recycled++;
      initUnit(m.rng, layer.w, layer.b, j, fanIn, units, layer.width, init);
      const outRow = next.w + ((<usize>j * next.width) << 2);
      memory.fill(outRow, 0, (<usize>next.width) << 2);
      resetMoments(m, layer.w, layer.b, j, layer.inDim, layer.width, outRow, next.width);
    }
    flag += (<usize>units) << 2;
  }
  return recycled;
}

/** Zeroes, in every moment arena, unit j's column of w and b[j], and its outgoing row. */
export function resetMoments(
  m: Model,
  w: usize,
  b: usize,
  j: i32,
  rows: i32,
  ld: i32,
  outRow: usize,
  outWidth: i32,
): void {
  zeroUnit(m.m - m.params, w, b, j, rows, ld, outRow, outWidth);
  zeroUnit(m.v - m.params, w, b, j, rows, ld, outRow, outWidth);
  zeroUnit(m.ag - m.params, w, b, j, rows, ld, outRow, outWidth);
}

/** The zeroing for one arena, `shift` bytes from the parameter arena. */
function zeroUnit(shift: usize, w: usize, b: usize, j: i32, rows: i32, ld: i32, outRow: usize, outWidth: i32): void {
  for (let i = 0; i < rows; i++) store<f32>(w + shift + ((<usize>i * ld + j) << 2), 0);
  store<f32>(b + shift + ((<usize>j) << 2), 0);
  memory.fill(outRow + shift, 0, (<usize>outWidth) << 2);
}
