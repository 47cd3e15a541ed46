// The js twin of assembly/kernels/optimizers.ts: Adam, SGD, RMSprop, weight decay and gradient
// clipping, bit for bit, on float offsets into one Float32Array.

/** Keras 3 Adam over n floats, every f32 operation rounded as the wasm's f32x4 ones are. */
export function adam(
  F: Float32Array,
  w: number,
  g: number,
  m: number,
  v: number,
  n: number,
  alpha: number,
  c1: number,
  c2: number,
  eps: number,
): void {
  const fr = Math.fround;
  for (let i = 0; i < n; i++) {
    const gi = F[g + i];
    const mi = fr(F[m + i] + fr(fr(gi - F[m + i]) * c1));
    const vi = fr(F[v + i] + fr(fr(fr(gi * gi) - F[v + i]) * c2));
    F[m + i] = mi;
    F[v + i] = vi;
    F[w + i] -= fr(fr(mi * alpha) / fr(fr(Math.sqrt(vi)) + eps));
  }
}

/** assembly/kernels/optimizers.ts's sgd. */
export function sgd(
  F: Float32Array,
  w: number,
  g: number,
  m: number,
  n: number,
  lr: number,
  momentum: number,
  nesterov: boolean,
): void {
  const fr = Math.fround;
  for (let i = 0; i < n; i++) {
    const gl = fr(F[g + i] * lr);
    if (momentum === 0) {
      F[w + i] -= gl;
      continue;
    }
    const mi = fr(fr(F[m + i] * momentum) - gl);
    F[m + i] = mi;
    F[w + i] += nesterov ? fr(fr(mi * momentum) - gl) : mi;
  }
}

/** assembly/kernels/optimizers.ts's rmsprop, plain or centered (avg: the average gradients). */
export function rmsprop(
  F: Float32Array,
  w: number,
  g: number,
  vel: number,
  mom: number,
  avg: number,
  n: number,
  lr: number,
  rho: number,
  oneMinusRho: number,
  momentum: number,
  epsilon: number,
  centered: boolean,
): void {
  const fr = Math.fround;
  for (let i = 0; i < n; i++) {
    const gi = F[g + i];
    const vi = fr(fr(rho * F[vel + i]) + fr(oneMinusRho * fr(gi * gi)));
    F[vel + i] = vi;
    let den = fr(vi + epsilon);
    if (centered) {
      const ai = fr(fr(rho * F[avg + i]) + fr(oneMinusRho * gi));
      F[avg + i] = ai;
      den = fr(fr(vi - fr(ai * ai)) + epsilon);
    }
    const inc = fr(fr(lr * gi) / fr(Math.sqrt(den)));
    if (momentum > 0) {
      const mi = fr(fr(momentum * F[mom + i]) + inc);
      F[mom + i] = mi;
      F[w + i] -= mi;
    } else {
      F[w + i] -= inc;
    }
  }
}

export function weightDecay(F: Float32Array, w: number, n: number, wd: number, lr: number): void {
  const fr = Math.fround;
  for (let i = 0; i < n; i++) F[w + i] -= fr(fr(F[w + i] * wd) * lr);
}

export function clipByValue(F: Float32Array, g: number, n: number, c: number): void {
  for (let i = 0; i < n; i++) F[g + i] = Math.min(Math.max(F[g + i], -c), c);
}

export function clipByNorm(F: Float32Array, g: number, n: number, c: number): void {
  const fr = Math.fround;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += F[g + i] * F[g + i];
  const den = Math.max(fr(Math.sqrt(sum)), c);
  for (let i = 0; i < n; i++) F[g + i] = fr(F[g + i] * c) / den;
}

/** clipByGlobalNorm: g·(c·min(1/‖g‖, 1/c)) in f32 over all n values; a non-finite norm gives NaN. */
export function clipByGlobalNorm(F: Float32Array, g: number, n: number, c: number): void {
  const fr = Math.fround;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += F[g + i] * F[g + i];
  const norm = fr(Math.sqrt(sum));
  const scale = fr(fr(c * Math.min(fr(1 / norm), fr(1 / c))) + (norm - norm));
  for (let i = 0; i < n; i++) F[g + i] *= scale;
}
