// Adam exactly as Keras 3 writes it (keras/src/optimizers/adam.py):
//   m += (g − m)(1 − β1);  v += (g² − v)(1 − β2);  w −= α·m / (√v + ε)
// with α = lr·√(1 − β2^t)/(1 − β1^t) computed by the caller for step t.
// n must be a multiple of 4 (the parameter arena is padded to whole vectors).

export function adam(
  w: usize, g: usize, m: usize, v: usize, n: i32,
  alpha: f32, oneMinusBeta1: f32, oneMinusBeta2: f32, epsilon: f32,
): void {
  const c1 = f32x4.splat(oneMinusBeta1);
  const c2 = f32x4.splat(oneMinusBeta2);
  const al = f32x4.splat(alpha);
  const ep = f32x4.splat(epsilon);
  const end = <usize>n << 2;
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
