// Dead-unit probe: a ReLU unit is dead when its output is exactly 0 for every probe sample,
// the notebook's np.all(activations == 0, axis=0); a unit of any other activation (leaky_relu,
// elu, gelu) when its output is never positive, np.all(activations <= 0, axis=0). Probe batches
// stream through forward() and OR an "it fired" mask into each layer's `alive` flags, so any
// probe size works.
import { Model, layerAt, modelPredictForward, ACT_RELU } from "./model";

export function deadReset(m: Model): void {
  for (let l = 0; l < m.nLayers; l++) {
    const layer = layerAt(m, l);
    memory.fill(layer.alive, 0, <usize>layer.width << 2);
  }
}

export function deadAccumulate(m: Model, data: usize, isU8: bool, idx: usize, start: i32, rows: i32): void {
  const zero = f32x4.splat(0);
  for (let s = 0; s < rows; s += m.capacity) {
    const n = min(m.capacity, rows - s);
    modelPredictForward(m, data, isU8, idx, start + s, n);
    for (let l = 0; l < m.nLayers; l++) {
      const layer = layerAt(m, l);
      const stride = <usize>layer.width << 2;
      for (let j: usize = 0; j < stride; j += 16) {
        let fired = v128.load(layer.alive + j);
        let p = layer.a + j;
        if (layer.activation == ACT_RELU) {
          for (let r = 0; r < n; r++) {
            fired = v128.or(fired, f32x4.ne(v128.load(p), zero));
            p += stride;
          }
        } else {
          // Other activations (leaky_relu, elu, gelu) are rarely exactly 0: "fired" means positive.
          for (let r = 0; r < n; r++) {
            fired = v128.or(fired, f32x4.gt(v128.load(p), zero));
            p += stride;
          }
        }
        v128.store(layer.alive + j, fired);
      }
    }
  }
}

/** Units of layer l that never fired since deadReset. */
export function deadCount(m: Model, l: i32): i32 {
  const layer = layerAt(m, l);
  let dead = 0;
  for (let j = 0; j < layer.units; j++) {
    if (load<u32>(layer.alive + (<usize>j << 2)) == 0) dead++;
  }
  return dead;
}
