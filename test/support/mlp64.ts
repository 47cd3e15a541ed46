// An independent float64 reference of the engine's math, written the plain way (no padding, no
// SIMD): dense layers with ReLU (or leaky_relu, elu, gelu), softmax cross-entropy from the
// logits, and Keras 3 Adam.
import type { LayerWeights } from "../../src/index.js";

export interface Net64 {
  sizes: number[]; // [input, ...units]
  kernels: Float64Array[]; // [in, out] row-major
  biases: Float64Array[];
  /** Hidden layers' activations (default: all relu). */
  hidden?: Hidden[];
  /** Per layer, Keras' L2 kernel regulariser factor (default none). */
  l2?: number[];
}

export interface Hidden {
  activation: "relu" | "leaky_relu" | "elu" | "gelu";
  alpha?: number;
}

/** erf(x) by its Maclaurin series (|x| < 6: terms stay below 1e15, error ~1e-10), ±1 beyond. */
export function erf(x: number): number {
  if (Math.abs(x) >= 6) return Math.sign(x);
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (-x * x) / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

const phi = (z: number) => 0.5 * (1 + erf(z / Math.SQRT2));

export function act64(h: Hidden, z: number): number {
  switch (h.activation) {
    case "relu":
      return Math.max(z, 0);
    case "leaky_relu":
      return z > 0 ? z : (h.alpha ?? 0.3) * z;
    case "elu":
      return z > 0 ? z : (h.alpha ?? 1) * (Math.exp(z) - 1);
    case "gelu":
      return z * phi(z);
  }
}

export function actGrad64(h: Hidden, z: number): number {
  switch (h.activation) {
    case "relu":
      return z > 0 ? 1 : 0;
    case "leaky_relu":
      return z > 0 ? 1 : (h.alpha ?? 0.3);
    case "elu":
      return z > 0 ? 1 : (h.alpha ?? 1) * Math.exp(z);
    case "gelu":
      return phi(z) + (z * Math.exp(-0.5 * z * z)) / Math.sqrt(2 * Math.PI);
  }
}

export function fromWeights(inputSize: number, weights: LayerWeights[], hidden?: Hidden[]): Net64 {
  return {
    sizes: [inputSize, ...weights.map((w) => w.bias.length)],
    kernels: weights.map((w) => Float64Array.from(w.kernel)),
    biases: weights.map((w) => Float64Array.from(w.bias)),
    hidden,
  };
}

/** Mean loss over the batch; x is [n, input] row-major. With grads, fills dL/dW and dL/db. */
export function lossAndGrads(net: Net64, x: ArrayLike<number>, y: ArrayLike<number>, grads?: Net64): number {
  const n = y.length;
  const L = net.kernels.length;
  let total = 0;
  if (grads) {
    grads.kernels.forEach((g) => g.fill(0));
    grads.biases.forEach((g) => g.fill(0));
  }
  for (let s = 0; s < n; s++) {
    const acts: number[][] = [Array.from({ length: net.sizes[0] }, (_, i) => x[s * net.sizes[0] + i])];
    const zs: number[][] = [[]];
    for (let l = 0; l < L; l++) {
      const [nin, nout] = [net.sizes[l], net.sizes[l + 1]];
      const out = new Array<number>(nout).fill(0);
      const zl = new Array<number>(nout).fill(0);
      const h = net.hidden?.[l] ?? { activation: "relu" };
      for (let j = 0; j < nout; j++) {
        let z = net.biases[l][j];
        for (let i = 0; i < nin; i++) z += acts[l][i] * net.kernels[l][i * nout + j];
        zl[j] = z;
        out[j] = l < L - 1 ? act64(h, z) : z;
      }
      acts.push(out);
      zs.push(zl);
    }
    const z = acts[L];
    const max = Math.max(...z);
    const sum = z.reduce((a, v) => a + Math.exp(v - max), 0);
    total += Math.log(sum) - (z[y[s]] - max);
    if (!grads) continue;
    let delta = z.map((v, j) => (Math.exp(v - max) / sum - (j === y[s] ? 1 : 0)) / n);
    for (let l = L - 1; l >= 0; l--) {
      const [nin, nout] = [net.sizes[l], net.sizes[l + 1]];
      for (let j = 0; j < nout; j++) grads.biases[l][j] += delta[j];
      for (let i = 0; i < nin; i++)
        for (let j = 0; j < nout; j++) grads.kernels[l][i * nout + j] += acts[l][i] * delta[j];
      if (l === 0) break;
      const prev = new Array<number>(nin).fill(0);
      const h = net.hidden?.[l - 1] ?? { activation: "relu" };
      for (let i = 0; i < nin; i++) {
        const fp = actGrad64(h, zs[l][i]);
        if (fp === 0) continue;
        for (let j = 0; j < nout; j++) prev[i] += net.kernels[l][i * nout + j] * delta[j];
        prev[i] *= fp;
      }
      delta = prev;
    }
  }
  let reg = 0;
  net.l2?.forEach((lambda, l) => {
    if (!lambda) return;
    const k = net.kernels[l];
    for (let i = 0; i < k.length; i++) {
      reg += lambda * k[i] * k[i];
      if (grads) grads.kernels[l][i] += 2 * lambda * k[i];
    }
  });
  return total / n + reg;
}

export function zerosLike(net: Net64): Net64 {
  return {
    sizes: net.sizes,
    kernels: net.kernels.map((k) => new Float64Array(k.length)),
    biases: net.biases.map((b) => new Float64Array(b.length)),
  };
}

/** Keras 3 Adam over every parameter; state holds m and v and the step count. */
export function adamStep(
  net: Net64,
  grads: Net64,
  state: { m: Net64; v: Net64; t: number },
  lr: number,
  beta1 = 0.9,
  beta2 = 0.999,
  epsilon = 1e-7,
): void {
  state.t++;
  const alpha = (lr * Math.sqrt(1 - beta2 ** state.t)) / (1 - beta1 ** state.t);
  const update = (w: Float64Array, g: Float64Array, m: Float64Array, v: Float64Array) => {
    for (let i = 0; i < w.length; i++) {
      m[i] += (g[i] - m[i]) * (1 - beta1);
      v[i] += (g[i] * g[i] - v[i]) * (1 - beta2);
      w[i] -= (alpha * m[i]) / (Math.sqrt(v[i]) + epsilon);
    }
  };
  net.kernels.forEach((w, l) => update(w, grads.kernels[l], state.m.kernels[l], state.v.kernels[l]));
  net.biases.forEach((w, l) => update(w, grads.biases[l], state.m.biases[l], state.v.biases[l]));
}

/** mulberry32: a tiny seeded generator for test data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Central finite differences (step h) of the mean loss with respect to every parameter. */
export function finiteDifferences(net: Net64, x: ArrayLike<number>, y: ArrayLike<number>, h = 1e-6): Net64 {
  const out = zerosLike(net);
  const each = (params: Float64Array[], into: Float64Array[]) =>
    params.forEach((p, l) => {
      for (let i = 0; i < p.length; i++) {
        const keep = p[i];
        p[i] = keep + h;
        const up = lossAndGrads(net, x, y);
        p[i] = keep - h;
        const down = lossAndGrads(net, x, y);
        p[i] = keep;
        into[l][i] = (up - down) / (2 * h);
      }
    });
  each(net.kernels, out.kernels);
  each(net.biases, out.biases);
  return out;
}
