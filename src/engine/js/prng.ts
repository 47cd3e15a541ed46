// The js twin of assembly/prng.ts (xoshiro128**, seeded by splitmix32), bit for bit, on a
// Uint32Array state of four words.

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** splitmix32, as rngSeed. */
export function rngSeed(s: Uint32Array, seed: number): void {
  let z = seed >>> 0;
  for (let i = 0; i < 4; i++) {
    z = (z + 0x9e3779b9) >>> 0;
    let t = z;
    t = Math.imul(t ^ (t >>> 16), 0x85ebca6b);
    t = Math.imul(t ^ (t >>> 13), 0xc2b2ae35);
    s[i] = (t ^ (t >>> 16)) >>> 0;
  }
}

/** xoshiro128**: the next u32. */
export function rngNext(s: Uint32Array): number {
  let s0 = s[0];
  let s1 = s[1];
  let s2 = s[2];
  let s3 = s[3];
  const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
  const t = s1 << 9;
  s2 ^= s0;
  s3 ^= s1;
  s1 ^= s2;
  s0 ^= s3;
  s2 ^= t;
  s3 = rotl(s3, 11);
  s[0] = s0;
  s[1] = s1;
  s[2] = s2;
  s[3] = s3;
  return result;
}

/** Uniform in [0, 1) with 24 random bits (exact in f32). */
export function rngUniform(s: Uint32Array): number {
  return Math.fround((rngNext(s) >>> 8) * (1 / 16777216));
}

/** The high word of the 64-bit product x·n for u32 x and n, without losing bits to f64. */
function mulHigh(x: number, n: number): number {
  const hi = (x >>> 16) * n; // < 2^48, exact
  const lo = (x & 0xffff) * n; // < 2^48, exact
  return Math.floor(hi / 65536) + Math.floor(((hi % 65536) * 65536 + lo) / 4294967296);
}

/** Unbiased integer in [0, n) (Lemire's multiply-and-reject), as rngBelow. */
export function rngBelow(s: Uint32Array, n: number): number {
  let x = rngNext(s);
  let low = Math.imul(x, n) >>> 0;
  if (low < n) {
    const threshold = (4294967296 - n) % n;
    while (low < threshold) {
      x = rngNext(s);
      low = Math.imul(x, n) >>> 0;
    }
  }
  return mulHigh(x, n);
}

/** Fisher–Yates shuffle of n u32s of U from index base, as shuffleIndices. */
export function shuffleIndices(s: Uint32Array, U: Uint32Array, base: number, n: number): void {
  for (let i = n >>> 0; i > 1; i--) {
    const j = rngBelow(s, i);
    const t = U[base + i - 1];
    U[base + i - 1] = U[base + j];
    U[base + j] = t;
  }
}
