// Hidden-layer activations other than ReLU, forward and backward, over [rows, width] buffers
// (every element, padding included: each activation maps 0 to 0, so padded columns stay exactly
// zero). The model runs leaky_relu's forward in the GEMM epilogue (EPI_LEAKY, the same numbers
// as activate here).
//
//   leaky_relu  a = z > 0 ? z : α·z            f'(z) = a > 0 ? 1 : α        (Keras LeakyReLU, α 0.3)
//   elu         a = z > 0 ? z : α·(eᶻ − 1)     f'(z) = a > 0 ? 1 : a + α    (Keras elu, α 1.0)
//   gelu        a = z·Φ(z)                     f'(z) = Φ(z) + z·φ(z)        (Keras gelu, approximate=False)
//
// leaky_relu and elu derive their gradient from the outputs (a > 0 exactly where z > 0 for α ≥ 0);
// gelu needs the pre-activations z, which the model keeps for gelu layers only. exp and Φ are
// computed in f64 and rounded once to f32, so the js twin (src/engine/js/activations.ts) gets the same
// values except where f64 exp differs in its last bit (never seen to change the f32 result).
// Φ comes from erfc of Numerical Recipes (erfcc, a Chebyshev fit with relative error < 1.2e-7
// everywhere, i.e. about one f32 ulp): Φ(z) = erfc(−z/√2)/2.
import { ACT_LINEAR, ACT_RELU, ACT_SOFTMAX, ACT_LEAKY_RELU, ACT_ELU, ACT_GELU } from "../codes";
export { ACT_LINEAR, ACT_RELU, ACT_SOFTMAX, ACT_LEAKY_RELU, ACT_ELU, ACT_GELU };

const INV_SQRT2: f64 = 0.7071067811865476;
const INV_SQRT_2PI: f64 = 0.3989422804014327;

/** erfc(x) for any real x (Numerical Recipes' erfcc, relative error < 1.2e-7). */
export function erfc64(x: f64): f64 {
  const z = Math.abs(x);
  const t = 1.0 / (1.0 + 0.5 * z);
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 +
    t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? r : 2.0 - r;
}

/** Φ(z), the standard normal CDF. */
@inline export function normalCdf(z: f64): f64 {
  return 0.5 * erfc64(-z * INV_SQRT2);
}

export function geluScalar(z: f32): f32 {
  const x = <f64>z;
  return <f32>(x * normalCdf(x));
}

export function geluGradScalar(z: f32): f32 {
  const x = <f64>z;
  return <f32>(normalCdf(x) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x));
}

export function eluScalar(z: f32, alpha: f32): f32 {
  return z > 0 ? z : <f32>(<f64>alpha * (Math.exp(<f64>z) - 1.0));
}

/** a = f(z) over n floats (a may equal z); for ACT_LEAKY_RELU, ACT_ELU and ACT_GELU. */
export function activate(z: usize, a: usize, n: i32, act: i32, alpha: f32): void {
  const end = <usize>n << 2;
  if (act == ACT_LEAKY_RELU) {
    const al = f32x4.splat(alpha);
    const zero = f32x4.splat(0);
    for (let off: usize = 0; off < end; off += 16) {
      const v = v128.load(z + off);
      v128.store(a + off, v128.bitselect(v, f32x4.mul(v, al), f32x4.gt(v, zero)));
    }
  } else if (act == ACT_ELU) {
    for (let off: usize = 0; off < end; off += 4) store<f32>(a + off, eluScalar(load<f32>(z + off), alpha));
  } else if (act == ACT_GELU) {
    for (let off: usize = 0; off < end; off += 4) store<f32>(a + off, geluScalar(load<f32>(z + off)));
  }
}

/**
 * d *= f'(z) over n floats, from the outputs a (leaky_relu, elu) or the pre-activations z (gelu).
 * n must be a multiple of 4.
 */
export function activationGrad(d: usize, a: usize, z: usize, n: i32, act: i32, alpha: f32): void {
  const end = <usize>n << 2;
  const zero = f32x4.splat(0);
  if (act == ACT_LEAKY_RELU) {
    const al = f32x4.splat(alpha);
    for (let off: usize = 0; off < end; off += 16) {
      const g = v128.load(d + off);
      v128.store(d + off, v128.bitselect(g, f32x4.mul(g, al), f32x4.gt(v128.load(a + off), zero)));
    }
  } else if (act == ACT_ELU) {
    const al = f32x4.splat(alpha);
    for (let off: usize = 0; off < end; off += 16) {
      const g = v128.load(d + off);
      const ai = v128.load(a + off);
      v128.store(d + off, v128.bitselect(g, f32x4.mul(g, f32x4.add(ai, al)), f32x4.gt(ai, zero)));
    }
  } else if (act == ACT_GELU) {
    for (let off: usize = 0; off < end; off += 4) {
      store<f32>(d + off, load<f32>(d + off) * geluGradScalar(load<f32>(z + off)));
    }
  }
}
