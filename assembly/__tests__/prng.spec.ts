// xoshiro128** stream, uniform floats, bounded integers and the Fisher–Yates shuffle.
import { rngSeed, rngNext, rngUniform, rngBelow, shuffleIndices, RNG_STATE_BYTES } from "../prng";
import { newState } from "./support";

@inline function ldU(p: usize, i: i32): u32 {
  return load<u32>(p + (<usize>i << 2));
}
@inline function stU(p: usize, i: i32, v: u32): void {
  store<u32>(p + (<usize>i << 2), v);
}
function identity(idx: usize, n: i32): void {
  for (let i = 0; i < n; i++) stU(idx, i, <u32>i);
}
/** Every index in [0, n) exactly once. */
function expectPermutation(idx: usize, n: i32, what: string): void {
  const seen = new StaticArray<u8>(max(n, 1));
  for (let i = 0; i < n; i++) {
    const v = ldU(idx, i);
    expect<bool>(v < <u32>n).toBe(true, what + ": index out of range");
    expect<u8>(seen[v]).toBe(0, what + ": index repeated " + v.toString());
    seen[v] = 1;
  }
}

describe("rngNext (xoshiro128**)", () => {
  test("reference outputs from the state {1, 2, 3, 4}", () => {
    // First outputs of the published xoshiro128** reference implementation for s = {1, 2, 3, 4}.
    const s = heap.alloc(RNG_STATE_BYTES);
    stU(s, 0, 1);
    stU(s, 1, 2);
    stU(s, 2, 3);
    stU(s, 3, 4);
    expect<u32>(rngNext(s)).toBe(11520);
    expect<u32>(rngNext(s)).toBe(0);
    expect<u32>(rngNext(s)).toBe(5927040);
    expect<u32>(rngNext(s)).toBe(70819200);
    expect<u32>(rngNext(s)).toBe(2031721883);
    expect<u32>(rngNext(s)).toBe(1637235492);
    heap.free(s);
  });

  test("same seed gives the same sequence", () => {
    const a = newState(42);
    const b = newState(42);
    for (let i = 0; i < 1000; i++) {
      const x = rngNext(a);
      const y = rngNext(b);
      if (x != y) expect<u32>(x).toBe(y, "draw " + i.toString());
    }
    heap.free(a);
    heap.free(b);
  });

  test("different seeds give different sequences; seeding never leaves an all-zero state", () => {
    const seeds: u32[] = [0, 1, 2, 42, 0xffffffff, 0x9e3779b9];
    for (let i = 0; i < seeds.length; i++) {
      const s = newState(seeds[i]);
      expect<bool>((ldU(s, 0) | ldU(s, 1) | ldU(s, 2) | ldU(s, 3)) != 0).toBe(true, "all-zero state");
      heap.free(s);
      for (let j = i + 1; j < seeds.length; j++) {
        const a = newState(seeds[i]);
        const b = newState(seeds[j]);
        let same = 0;
        for (let k = 0; k < 100; k++) if (rngNext(a) == rngNext(b)) same++;
        expect<i32>(same).toBeLessThan(2, "seeds " + seeds[i].toString() + " and " + seeds[j].toString());
        heap.free(a);
        heap.free(b);
      }
    }
  });
});

describe("rngUniform", () => {
  test("100k draws lie in [0, 1) with mean ≈ 1/2 and variance ≈ 1/12", () => {
    const s = newState(7);
    const n = 100000;
    let sum: f64 = 0;
    let sq: f64 = 0;
    let lo: f32 = 1;
    let hi: f32 = 0;
    let bad = 0;
    for (let i = 0; i < n; i++) {
      const u = rngUniform(s);
      if (!(u >= 0 && u < 1)) bad++;
      lo = min(lo, u);
      hi = max(hi, u);
      sum += <f64>u;
      sq += <f64>u * <f64>u;
    }
    expect<i32>(bad).toBe(0, "draws outside [0, 1)");
    const mean = sum / n;
    const variance = sq / n - mean * mean;
    expect<f64>(mean).toBeCloseTo(0.5, 2); // |mean − 0.5| < 0.01 (σ of the mean ≈ 0.0009)
    expect<f64>(variance).toBeCloseTo(1.0 / 12.0, 2);
    expect<f32>(lo).toBeLessThan(0.001);
    expect<f32>(hi).toBeGreaterThan(0.999);
    heap.free(s);
  });

  test("uses the top 24 bits: exact multiples of 2^-24", () => {
    const a = newState(3);
    const b = newState(3);
    for (let i = 0; i < 1000; i++) {
      const u = rngUniform(a);
      expect<f32>(u).toBe(<f32>(rngNext(b) >>> 8) / 16777216.0);
    }
    heap.free(a);
    heap.free(b);
  });
});

/** Lemire's nearly-divisionless bounded integer, written out from the paper, on rngNext. */
function lemireRef(state: usize, n: u32): u32 {
  let x = rngNext(state);
  let m = <u64>x * <u64>n;
  let l = <u32>m;
  if (l < n) {
    const t: u32 = (<u32>0 - n) % n;
    while (l < t) {
      x = rngNext(state);
      m = <u64>x * <u64>n;
      l = <u32>m;
    }
  }
  return <u32>(m >> 32);
}

describe("rngBelow", () => {
  test("matches Lemire's multiply-and-reject draw for draw (incl. repeated rejections)", () => {
    // n just above 2^31 rejects about half of all draws, so rejections in a row are common.
    const ns: u32[] = [0x80000001, 3, 10, 1000, 0xfffffffe, 0x7fffffff];
    for (let t = 0; t < ns.length; t++) {
      const a = newState(77);
      const b = newState(77);
      for (let i = 0; i < 2000; i++) {
        const x = rngBelow(a, ns[t]);
        const y = lemireRef(b, ns[t]);
        if (x != y) expect<u32>(x).toBe(y, "n=" + ns[t].toString() + " draw " + i.toString());
      }
      heap.free(a);
      heap.free(b);
    }
  });

  test("small n: always in range and every value is hit, counts roughly uniform", () => {
    const s = newState(11);
    const ns: u32[] = [1, 2, 3, 7, 10];
    for (let t = 0; t < ns.length; t++) {
      const n = ns[t];
      const counts = new StaticArray<i32>(<i32>n);
      const draws = 20000 * <i32>n;
      for (let i = 0; i < draws; i++) {
        const v = rngBelow(s, n);
        if (v >= n) expect<u32>(v).toBeLessThan(n, "rngBelow(" + n.toString() + ")");
        counts[v]++;
      }
      for (let v = 0; v < <i32>n; v++) {
        // 20000 expected per value; σ ≤ 142, so ±1000 is > 7σ.
        expect<i32>(counts[v]).toBeGreaterThan(19000, "n=" + n.toString() + " value " + v.toString());
        expect<i32>(counts[v]).toBeLessThan(21000, "n=" + n.toString() + " value " + v.toString());
      }
    }
    heap.free(s);
  });

  test("large n (rejection path) stays in range and reaches both halves", () => {
    const s = newState(5);
    const ns: u32[] = [0x80000001, 0xfffffffe, 0xffffffff, 3000000019];
    for (let t = 0; t < ns.length; t++) {
      const n = ns[t];
      let upper = 0;
      for (let i = 0; i < 2000; i++) {
        const v = rngBelow(s, n);
        if (v >= n) expect<u32>(v).toBeLessThan(n, "rngBelow(" + n.toString() + ")");
        if (v >= n / 2) upper++;
      }
      expect<i32>(upper).toBeGreaterThan(800);
      expect<i32>(upper).toBeLessThan(1200);
    }
    heap.free(s);
  });
});

describe("shuffleIndices", () => {
  test("yields a permutation for several sizes, n = 0 and n = 1 are no-ops", () => {
    const s = newState(99);
    const sizes: i32[] = [0, 1, 2, 3, 10, 1000, 4097];
    for (let t = 0; t < sizes.length; t++) {
      const n = sizes[t];
      const idx = heap.alloc(<usize>max(n, 1) << 2);
      identity(idx, n);
      shuffleIndices(s, idx, <u32>n);
      expectPermutation(idx, n, "n=" + n.toString());
      if (n >= 1000) {
        let fixed = 0;
        for (let i = 0; i < n; i++) if (ldU(idx, i) == <u32>i) fixed++;
        expect<i32>(fixed).toBeLessThan(10, "too many fixed points for n=" + n.toString());
      }
      heap.free(idx);
    }
    heap.free(s);
  });

  test("deterministic per seed, different across seeds", () => {
    const n = 1000;
    const a = heap.alloc(<usize>n << 2);
    const b = heap.alloc(<usize>n << 2);
    const c = heap.alloc(<usize>n << 2);
    identity(a, n);
    identity(b, n);
    identity(c, n);
    const sa = newState(1234);
    const sb = newState(1234);
    const sc = newState(1235);
    shuffleIndices(sa, a, n);
    shuffleIndices(sb, b, n);
    shuffleIndices(sc, c, n);
    let diff = 0;
    for (let i = 0; i < n; i++) {
      expect<u32>(ldU(a, i)).toBe(ldU(b, i));
      if (ldU(a, i) != ldU(c, i)) diff++;
    }
    expect<i32>(diff).toBeGreaterThan(900);
    heap.free(a);
    heap.free(b);
    heap.free(c);
    heap.free(sa);
    heap.free(sb);
    heap.free(sc);
  });

  test("all 6 permutations of 3 items are about equally likely (Fisher–Yates, not Sattolo)", () => {
    const s = newState(2024);
    const idx = heap.alloc(12);
    const counts = new StaticArray<i32>(27);
    const trials = 60000;
    for (let t = 0; t < trials; t++) {
      identity(idx, 3);
      shuffleIndices(s, idx, 3);
      counts[<i32>(ldU(idx, 0) * 9 + ldU(idx, 1) * 3 + ldU(idx, 2))]++;
    }
    const perms: i32[] = [0 * 9 + 1 * 3 + 2, 0 * 9 + 2 * 3 + 1, 1 * 9 + 0 * 3 + 2, 1 * 9 + 2 * 3 + 0, 2 * 9 + 0 * 3 + 1, 2 * 9 + 1 * 3 + 0];
    let total = 0;
    for (let p = 0; p < perms.length; p++) {
      // 10000 expected; σ ≈ 91.
      expect<i32>(counts[perms[p]]).toBeGreaterThan(9500, "permutation code " + perms[p].toString());
      expect<i32>(counts[perms[p]]).toBeLessThan(10500, "permutation code " + perms[p].toString());
      total += counts[perms[p]];
    }
    expect<i32>(total).toBe(trials);
    heap.free(idx);
    heap.free(s);
  });
});
