// The js twin of assembly/kernels/activations.ts: leaky_relu, elu and gelu forward and backward
// on float offsets into one Float32Array (exp and Φ in f64, rounded once to f32).

import { ACT_ELU, ACT_GELU, ACT_LEAKY_RELU } from "../codes.js";

const INV_SQRT2 = 0.7071067811865476;
const INV_SQRT_2PI = 0.3989422804014327;

/** erfc(x) (Numerical Recipes' erfcc, relative error < 1.2e-7), as erfc64. */
export function erfc64(x: number): number {
  const z = Math.abs(x);
  const t = 1.0 / (1.0 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2.0 - r;
}

function normalCdf(z: number): number {
  return 0.5 * erfc64(-z * INV_SQRT2);
}

/** a = f(z) over n floats at float offsets z and a (which may be equal). */
export function activate(F: Float32Array, z: number, a: number, n: number, act: number, alpha: number): void {
  const fr = Math.fround;
  if (act === ACT_LEAKY_RELU) {
    for (let i = 0; i < n; i++) {
      const v = F[z + i];
      F[a + i] = v > 0 ? v : fr(v * alpha);
    }
  } else if (act === ACT_ELU) {
    for (let i = 0; i < n; i++) {
      const v = F[z + i];
      F[a + i] = v > 0 ? v : alpha * (Math.exp(v) - 1);
    }
  } else if (act === ACT_GELU) {
    for (let i = 0; i < n; i++) {
      const v = F[z + i];
      F[a + i] = v * normalCdf(v);
    }
  }
}

/** d *= f'(z) over n floats, from the outputs a (leaky_relu, elu) or the pre-activations z (gelu). */
export function activationGrad(
  F: Float32Array,
  d: number,
  a: number,
  z: number,
  n: number,
  act: number,
  alpha: number,
): void {
  const fr = Math.fround;
  if (act === ACT_LEAKY_RELU) {
    for (let i = 0; i < n; i++) if (!(F[a + i] > 0)) F[d + i] = fr(F[d + i] * alpha);
  } else if (act === ACT_ELU) {
    for (let i = 0; i < n; i++) {
      const ai = F[a + i];
      if (!(ai > 0)) F[d + i] = fr(F[d + i] * fr(ai + alpha));
    }
  } else if (act === ACT_GELU) {
    for (let i = 0; i < n; i++) {
      const v = F[z + i];
      F[d + i] = fr(F[d + i] * fr(normalCdf(v) + v * INV_SQRT_2PI * Math.exp(-0.5 * v * v)));
    }
  }
}
