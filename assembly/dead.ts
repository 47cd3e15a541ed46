// Dead-unit probe: a ReLU unit is dead when its output is exactly 0 for every probe sample,
// the notebook's np.all(activations == 0, axis=0); a unit of any other activation (leaky_relu,
// elu, gelu) when its output is never positive, np.all(activations <= 0, axis=0). Probe batches
// stream through forward() and OR an "it fired" mask into each layer's `alive` flags, so any
// probe size works. The same pass counts, per unit, the probe samples on which the output is
// > 0 (`active`, u32) and sums |output| (`absSum`, f32, added sample by sample in probe order),
// from which the host derives the "nearly dead" and τ-dormant (Sokar et al. 2023) definitions.
import { Model, layerAt, modelPredictForward, ACT_RELU } from "./model";

export function deadReset(m: Model): void {
  for (let l = 0; l < m.nLayers; l++) {
    const layer = layerAt(m, l);
    const bytes = (<usize>layer.width) << 2;
    memory.fill(layer.alive, 0, bytes);
    memory.fill(layer.active, 0, bytes);
    memory.fill(layer.absSum, 0, bytes);
  }
}

export function deadAccumulate(m: Model, data: usize, isU8: bool, idx: usize, start: i32, rows: i32): void {
  const zero = f32x4.splat(0);
  for (let s = 0; s < rows; s += m.capacity) {
    const n = min(m.capacity, rows - s);
    modelPredictForward(m, data, isU8, idx, start + s, n);
    for (let l = 0; l < m.nLayers; l++) {
      const layer = layerAt(m, l);
      const stride = (<usize>layer.width) << 2;
      for (let j: usize = 0; j < stride; j += 16) {
        let fired = v128.load(layer.alive + j);
        let count = v128.load(layer.active + j);
        let sum = v128.load(layer.absSum + j);
        let p = layer.a + j;
        if (layer.activation == ACT_RELU) {
          for (let r = 0; r < n; r++) {
            const a = v128.load(p);
            fired = v128.or(fired, f32x4.ne(a, zero));
            count = i32x4.sub(count, f32x4.gt(a, zero)); // the mask is −1 where active
            sum = f32x4.add(sum, f32x4.abs(a));
            p += stride;
          }
        } else {
          // Other activations (leaky_relu, elu, gelu) are rarely exactly 0: "fired" means positive.
          for (let r = 0; r < n; r++) {
            const a = v128.load(p);
            const pos = f32x4.gt(a, zero);
            fired = v128.or(fired, pos);
            count = i32x4.sub(count, pos);
            sum = f32x4.add(sum, f32x4.abs(a));
            p += stride;
          }
        }
        v128.store(layer.alive + j, fired);
        v128.store(layer.active + j, count);
        v128.store(layer.absSum + j, sum);
      }
    }
  }
}

/**
 * Adds a replica's probe results (modelReplica, probed on another slice of the samples) into
 * m's: flags OR-ed, counts and sums added, so m holds the probe of both slices.
 */
export function deadMerge(m: Model, r: Model): void {
  for (let l = 0; l < m.nLayers; l++) {
    const into = layerAt(m, l);
    const from = layerAt(r, l);
    const bytes = (<usize>into.width) << 2;
    for (let j: usize = 0; j < bytes; j += 16) {
      v128.store(into.alive + j, v128.or(v128.load(into.alive + j), v128.load(from.alive + j)));
      v128.store(into.active + j, i32x4.add(v128.load(into.active + j), v128.load(from.active + j)));
      v128.store(into.absSum + j, f32x4.add(v128.load(into.absSum + j), v128.load(from.absSum + j)));
    }
  }
}

/** Units of layer l that never fired since deadReset. */
export function deadCount(m: Model, l: i32): i32 {
  const layer = layerAt(m, l);
  let dead = 0;
  for (let j = 0; j < layer.units; j++) {
    if (load<u32>(layer.alive + ((<usize>j) << 2)) == 0) dead++;
  }
  return dead;
}
