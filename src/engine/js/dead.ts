// The js twins of assembly/dead.ts (the probe's per-unit statistics over a batch of outputs) and
// assembly/recycle.ts (ReDo), over the engine's views; the same definitions, bit for bit given the
// same outputs. See those files for the maths and its references.
import { ACT_RELU } from "../codes.js";
import { initUnit } from "./init.js";
import type { Model } from "./model.js";

export function deadReset(F: Float32Array, I: Int32Array, md: Model): void {
  for (const ly of md.layers) {
    I.fill(0, ly.alive >> 2, (ly.alive >> 2) + ly.width);
    I.fill(0, ly.active >> 2, (ly.active >> 2) + ly.width);
    F.fill(0, ly.absSum >> 2, (ly.absSum >> 2) + ly.width);
  }
}

/**
 * Folds n rows of every layer's outputs (already forward) into the probe statistics: ORs "fired"
 * (output != 0; for activations other than relu, output > 0) into each unit's flag, counts the
 * rows with output > 0 and sums |output| in f32 row by row.
 */
export function deadAccumulateRows(F: Float32Array, I: Int32Array, md: Model, n: number): void {
  for (const ly of md.layers) {
    const alive = ly.alive >> 2;
    const active = ly.active >> 2;
    const absSum = ly.absSum >> 2;
    const a = ly.a >> 2;
    const width = ly.width;
    const relu = ly.activation === ACT_RELU;
    for (let r = 0; r < n; r++) {
      const row = a + r * width;
      if (relu) {
        for (let j = 0; j < width; j++) if (F[row + j] !== 0) I[alive + j] = -1;
      } else {
        for (let j = 0; j < width; j++) if (F[row + j] > 0) I[alive + j] = -1;
      }
      for (let j = 0; j < width; j++) {
        const v = F[row + j];
        if (v > 0) I[active + j]++;
        F[absSum + j] += Math.abs(v); // the Float32Array store rounds to f32, as f32x4.add
      }
    }
  }
}

export function deadCount(I: Int32Array, md: Model, l: number): number {
  const ly = md.layers[l];
  let dead = 0;
  for (let j = 0; j < ly.units; j++) if (I[(ly.alive >> 2) + j] === 0) dead++;
  return dead;
}

/** modelRecycle (ReDo), draw for draw: returns how many hidden units were recycled. */
export function recycle(F: Float32Array, I: Int32Array, md: Model, tau: number, inits: number, flags: number): number {
  let recycled = 0;
  let flag = flags >> 2;
  for (let l = 0; l < md.layers.length - 1; l++) {
    const ly = md.layers[l];
    const next = md.layers[l + 1];
    const units = ly.units;
    const absSum = ly.absSum >> 2;
    let total = 0;
    for (let j = 0; j < units; j++) total += F[absSum + j];
    const fanIn = l === 0 ? md.inputSize : md.layers[l - 1].units;
    for (let j = 0; j < units; j++) {
      const dormant = !(total > 0) || (F[absSum + j] * units) / total <= tau;
      I[flag + j] = dormant ? 1 : 0;
      if (!dormant) continue;
      recycled++;
      initUnit(F, md.rng, ly.w >> 2, ly.b >> 2, j, fanIn, units, ly.width, I[(inits >> 2) + l]);
      const outRow = (next.w >> 2) + j * next.width;
      F.fill(0, outRow, outRow + next.width);
      for (const arena of [md.m, md.v, md.ag]) {
        const shift = (arena - md.params) >> 2;
        for (let i = 0; i < ly.inDim; i++) F[shift + (ly.w >> 2) + i * ly.width + j] = 0;
        F[shift + (ly.b >> 2) + j] = 0;
        F.fill(0, shift + outRow, shift + outRow + next.width);
      }
    }
    flag += units;
  }
  return recycled;
}
