// xoshiro128**: small, fast and statistically solid. The 16-byte state lives in the
// model arena, so every model owns an independent stream that the seed fully determines.

@inline function rotl(x: u32, k: u32): u32 {
  return (x << k) | (x >>> (32 - k));
}

export const RNG_STATE_BYTES: usize = 16;

/** Fills the state from `seed` with splitmix32, which never yields four zero words. */
export function rngSeed(state: usize, seed: u32): void {
  let z = seed;
  for (let i: usize = 0; i < 4; i++) {
    z += 0x9e3779b9;
    let t = z;
    t = (t ^ (t >>> 16)) * 0x85ebca6b;
    t = (t ^ (t >>> 13)) * 0xc2b2ae35;
    store<u32>(state + (i << 2), t ^ (t >>> 16));
  }
}

export function rngNext(state: usize): u32 {
  let s0 = load<u32>(state);
  let s1 = load<u32>(state, 4);
  let s2 = load<u32>(state, 8);
  let s3 = load<u32>(state, 12);
  const result = rotl(s1 * 5, 7) * 9;
  const t = s1 << 9;
  s2 ^= s0;
  s3 ^= s1;
  s1 ^= s2;
  s0 ^= s3;
  s2 ^= t;
  s3 = rotl(s3, 11);
  store<u32>(state, s0);
  store<u32>(state, s1, 4);
  store<u32>(state, s2, 8);
  store<u32>(state, s3, 12);
  return result;
}

/** Uniform in [0, 1) with 24 random bits, the full precision of an f32 mantissa. */
export function rngUniform(state: usize): f32 {
  return <f32>(rngNext(state) >>> 8) * (1.0 / 16777216.0);
}

/** Unbiased integer in [0, n) (Lemire's multiply-and-reject). */
export function rngBelow(state: usize, n: u32): u32 {
  let m = <u64>rngNext(state) * <u64>n;
  if (<u32>m < n) {
    const threshold = (<u32>0 - n) % n;
    while (<u32>m < threshold) m = <u64>rngNext(state) * <u64>n;
  }
  return <u32>(m >>> 32);
}

/** Fisher–Yates shuffle of `n` u32 indices in place. */
export function shuffleIndices(state: usize, idx: usize, n: u32): void {
  for (let i = n; i > 1; i--) {
    const j = rngBelow(state, i);
    const a = idx + ((<usize>(i - 1)) << 2);
    const b = idx + ((<usize>j) << 2);
    const t = load<u32>(a);
    store<u32>(a, load<u32>(b));
    store<u32>(b, t);
  }
}
