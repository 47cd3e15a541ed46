// Keras' Dense defaults: kernel glorot_uniform, bias zeros.
import { rngUniform } from "./prng";

/** Glorot-uniform: U(−l, l) with l = √(6/(fan_in + fan_out)), drawn row by row into w[fanIn, ld]. */
export function glorotUniform(rng: usize, w: usize, fanIn: i32, fanOut: i32, ld: i32): void {
  const limit = <f32>Math.sqrt(6.0 / <f64>(fanIn + fanOut));
  for (let i = 0; i < fanIn; i++) {
    const row = w + ((<usize>i * ld) << 2);
    for (let j = 0; j < fanOut; j++) {
      store<f32>(row + (<usize>j << 2), (rngUniform(rng) * 2 - 1) * limit);
    }
  }
}
