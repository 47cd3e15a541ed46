// The optimizers of Keras 3 over flat f32 arenas (keras/src/optimizers/{adam,sgd,rmsprop,
// base_optimizer}.py): Adam, SGD, RMSprop, and the base optimizer's gradient clipping and decoupled
// weight decay. n must be a multiple of 4 (the arenas are padded to whole vectors); every operation
// is one f32 rounding, in Keras' order, so the js twin (src/engine/js/optimizers.ts) matches bit for bit.

/**
 * Adam exactly as Keras 3 writes it (keras/src/optimizers/adam.py):
 *   m += (g − m)(1 − β1);  v += (g² − v)(1 − β2);  w −= α·m / (√v + ε)
 * with α = lr·√(1 − β2^t)/(1 − β1^t) computed by the caller for step t.
 */
export function adam(
  w: usize,
  g: usize,
  m: usize,
  v: usize,
  n: i32,
  alpha: f32,
  oneMinusBeta1: f32,
  oneMinusBeta2: f32,
  epsilon: f32,
): void {
  const c1 = f32x4.splat(oneMinusBeta1);
  const c2 = f32x4.splat(oneMinusBeta2);
  const al = f32x4.splat(alpha);
  const ep = f32x4.splat(epsilon);
  const end = (<usize>n) << 2;
  for (let off: usize = 0; off < end; off += 16) {
    const gi = v128.load(g + off);
    let mi = v128.load(m + off);
    let vi = v128.load(v + off);
    mi = f32x4.add(mi, f32x4.mul(f32x4.sub(gi, mi), c1));
    vi = f32x4.add(vi, f32x4.mul(f32x4.sub(f32x4.mul(gi, gi), vi), c2));
    v128.store(m + off, mi);
    v128.store(v + off, vi);
    const step = f32x4.div(f32x4.mul(mi, al), f32x4.add(f32x4.sqrt(vi), ep));
    v128.store(w + off, f32x4.sub(v128.load(w + off), step));
  }
}

/**
 * SGD. momentum 0: w −= lr·g. Otherwise m = m·momentum − g·lr, then w += m, or with Nesterov
 * w += m·momentum − g·lr.
 */
export function sgd(w: usize, g: usize, m: usize, n: i32, lr: f32, momentum: f32, nesterov: bool): void {
  const l = f32x4.splat(lr);
  const mo = f32x4.splat(momentum);
  const end = (<usize>n) << 2;
  for (let off: usize = 0; off < end; off += 16) {
    const gl = f32x4.mul(v128.load(g + off), l);
    const wi = v128.load(w + off);
    if (momentum == 0) {
      v128.store(w + off, f32x4.sub(wi, gl));
      continue;
    }
    const mi = f32x4.sub(f32x4.mul(v128.load(m + off), mo), gl);
    v128.store(m + off, mi);
    v128.store(w + off, f32x4.add(wi, nesterov ? f32x4.sub(f32x4.mul(mi, mo), gl) : mi));
  }
}

/**
 * RMSprop (keras/src/optimizers/rmsprop.py): v = ρ·v + (1 − ρ)·g²; centered, also
 * a = ρ·a + (1 − ρ)·g and the denominator (v − a²) + ε, else v + ε; inc = lr·g / √denominator
 * (ε inside the root, as in Keras); with momentum mom = momentum·mom + inc and w −= mom, else
 * w −= inc. avg (the average-gradient arena) is only read when centered.
 */
export function rmsprop(
  w: usize,
  g: usize,
  vel: usize,
  mom: usize,
  avg: usize,
  n: i32,
  lr: f32,
  rho: f32,
  oneMinusRho: f32,
  momentum: f32,
  epsilon: f32,
  centered: bool,
): void {
  const r = f32x4.splat(rho);
  const r1 = f32x4.splat(oneMinusRho); // 1 − ρ in f64, then f32, as Keras' Python float
  const l = f32x4.splat(lr);
  const ep = f32x4.splat(epsilon);
  const mo = f32x4.splat(momentum);
  const end = (<usize>n) << 2;
  for (let off: usize = 0; off < end; off += 16) {
    const gi = v128.load(g + off);
    const vi = f32x4.add(f32x4.mul(r, v128.load(vel + off)), f32x4.mul(r1, f32x4.mul(gi, gi)));
    v128.store(vel + off, vi);
    let den = f32x4.add(vi, ep);
    if (centered) {
      const ai = f32x4.add(f32x4.mul(r, v128.load(avg + off)), f32x4.mul(r1, gi));
      v128.store(avg + off, ai);
      den = f32x4.add(f32x4.sub(vi, f32x4.mul(ai, ai)), ep);
    }
    const inc = f32x4.div(f32x4.mul(l, gi), f32x4.sqrt(den));
    if (momentum > 0) {
      const mi = f32x4.add(f32x4.mul(mo, v128.load(mom + off)), inc);
      v128.store(mom + off, mi);
      v128.store(w + off, f32x4.sub(v128.load(w + off), mi));
    } else {
      v128.store(w + off, f32x4.sub(v128.load(w + off), inc));
    }
  }
}

/** Keras' decoupled weight decay, before the update: w = w − w·wd·lr. */
export function weightDecay(w: usize, n: i32, wd: f32, lr: f32): void {
  const d = f32x4.splat(wd);
  const l = f32x4.splat(lr);
  const end = (<usize>n) << 2;
  for (let off: usize = 0; off < end; off += 16) {
    const wi = v128.load(w + off);
    v128.store(w + off, f32x4.sub(wi, f32x4.mul(f32x4.mul(wi, d), l)));
  }
}

/** clipvalue: g = min(max(g, −c), c). */
export function clipByValue(g: usize, n: i32, c: f32): void {
  const hi = f32x4.splat(c);
  const lo = f32x4.splat(-c);
  const end = (<usize>n) << 2;
  for (let off: usize = 0; off < end; off += 16) {
    v128.store(g + off, f32x4.min(f32x4.max(v128.load(g + off), lo), hi));
  }
}

/**
 * clipnorm for one variable (Keras 3 clips each variable by its own norm): g = g·c / max(‖g‖, c),
 * ‖g‖ summed in f64 over the f32 squares in order and rounded to f32.
 */
export function clipByNorm(g: usize, n: i32, c: f32): void {
  const end = (<usize>n) << 2;
  let sum: f64 = 0;
  for (let off: usize = 0; off < end; off += 4) {
    const v = <f64>load<f32>(g + off);
    sum += v * v;
  }
  const norm = <f32>Math.sqrt(sum);
  const den = f32x4.splat(max(norm, c));
  const cc = f32x4.splat(c);
  for (let off: usize = 0; off < end; off += 16) {
    v128.store(g + off, f32x4.div(f32x4.mul(v128.load(g + off), cc), den));
  }
}

/**
 * Keras 3's global_clipnorm (clip_by_global_norm in keras/src/optimizers/base_optimizer.py) over
 * all n gradients at once: g·scale with scale = c·min(1/‖g‖, 1/c) in f32, ‖g‖ summed in f64 over
 * the f32 squares in order and rounded to f32; a non-finite norm makes every gradient NaN.
 */
export function clipByGlobalNorm(g: usize, n: i32, c: f32): void {
  const norm = <f32>Math.sqrt(sumSquares(g, n));
  const scale = c * min(<f32>1 / norm, <f32>1 / c) + (norm - norm);
  const sc = f32x4.splat(scale);
  const end = (<usize>n) << 2;
  for (let off: usize = 0; off < end; off += 16) v128.store(g + off, f32x4.mul(v128.load(g + off), sc));
}

/** Keras' L2 kernel regulariser's gradient: g += w·(2λ). */
export function l2Grad(w: usize, g: usize, n: i32, twoLambda: f32): void {
  const t = f32x4.splat(twoLambda);
  const end = (<usize>n) << 2;
  for (let off: usize = 0; off < end; off += 16) {
    v128.store(g + off, f32x4.add(v128.load(g + off), f32x4.mul(v128.load(w + off), t)));
  }
}

/** Σ w² over n floats, summed in f64 in order (exact squares). */
export function sumSquares(w: usize, n: i32): f64 {
  const end = (<usize>n) << 2;
  let sum: f64 = 0;
  for (let off: usize = 0; off < end; off += 4) {
    const v = <f64>load<f32>(w + off);
    sum += v * v;
  }
  return sum;
}
