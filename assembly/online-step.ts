// The fast online step: for plain SGD (no momentum, no clipping; decoupled weight decay allowed)
// on ReLU layers under a softmax, one example's forward pass is a sum of the weight rows of its
// nonzero inputs, and its backward pass and update take each such row once: the row's share of
// the previous layer's delta (with the old weights) and its update in the same sweep. Most of
// MNIST's pixels and of a ReLU layer's outputs are 0, so each layer first lists the indices of
// its nonzero inputs (without a branch per input, whose outcome no predictor could guess) and
// both passes walk that list. Weight decay would move every row; instead it multiplies one scale
// per model (W = wScale · V for the stored V), so a step still touches only the listed rows.
import { Model, Layer, layerAt, gather, ACT_RELU, ACT_SOFTMAX } from "./model";
import { byteTable, gatherLabels, rowOf } from "./kernels/gather";
import { softmaxXent } from "./kernels/softmax_xent";
import { madd, nmadd } from "./kernels/gemm";
import { noiseRuns } from "./noise";
import { OPT_SGD, OPTF_KIND, OPTF_LEARNING_RATE, OPTF_MOMENTUM, OPTF_WEIGHT_DECAY, OPTF_CLIPNORM, OPTF_CLIPVALUE, OPTF_GLOBAL_CLIPNORM, SETTLE_SHIFT } from "./codes";

@inline function desc(m: Model, field: i32): f64 {
  return load<f64>(m.opt + (<usize>field << 3));
}

/** Whether the model's optimizer and layers allow the fast step (and its lists are allocated). */
export function fastPath(m: Model): bool {
  if (<i32>desc(m, OPTF_KIND) != OPT_SGD || desc(m, OPTF_MOMENTUM) != 0) return false;
  if (desc(m, OPTF_CLIPNORM) > 0 || desc(m, OPTF_CLIPVALUE) > 0 || desc(m, OPTF_GLOBAL_CLIPNORM) > 0) return false;
  for (let l = 0; l < m.nLayers; l++) {
    const layer = layerAt(m, l);
    if (layer.l2 > 0 || layer.activation != (l < m.nLayers - 1 ? ACT_RELU : ACT_SOFTMAX)) return false;
  }
  for (let l = 0; l < m.nLayers; l++) {
    const layer = layerAt(m, l);
    if (layer.nz == 0) layer.nz = heap.alloc(<usize>layer.inDim << 2);
  }
  return true;
}

/** Writes the indices i < n with x[i] ≠ 0 to list, in order; returns how many. */
@inline function nonzeros(x: usize, n: i32, list: usize): i32 {
  let count = 0;
  for (let i = 0; i < n; i++) {
    store<i32>(list + (<usize>count << 2), i); // kept only if x[i] ≠ 0: count ≤ i, so in bounds
    count += i32(load<f32>(x + (<usize>i << 2)) != 0);
  }
  return count;
}

/**
 * out = scale · Σ_k x[list[k]] · V[list[k], :] + b, row by row in list order (ReLU'd for hidden
 * layers), with 8 (then 2) vectors of columns held in registers over the rows. Widths are
 * multiples of NR = 8 floats, i.e. of 2 vectors. The blocks before `fused` bytes first add the k-th
 * row's noise (its run start at runs, its scale at scales: noiseRuns) to the weights they read.
 */
function rowsSum(out: usize, w: usize, b: usize, bytes: usize, x: usize, list: usize, count: i32, relu: bool, scale: f32, runs: usize, scales: usize, fused: usize): void {
  const zero = f32x4.splat(0);
  const vs = f32x4.splat(scale);
  let c: usize = 0;
  for (; c + 128 <= bytes; c += 128) {
    if (c < fused) sumBlock(out, w, b, bytes, x, list, count, relu, vs, c, runs, scales, true);
    else sumBlock(out, w, b, bytes, x, list, count, relu, vs, c, 0, 0, false);
  }
  for (; c < bytes; c += 32) {
    let s0 = zero, s1 = zero;
    for (let k = 0; k < count; k++) {
      const i = <usize>load<i32>(list + (<usize>k << 2));
      const xi = v128.load32_splat(x + (i << 2));
      const p = w + i * bytes + c;
      s0 = madd(xi, v128.load(p), s0);
      s1 = madd(xi, v128.load(p, 16), s1);
    }
    finish(out + c, b + c, s0, vs, relu);
    finish(out + c + 16, b + c + 16, s1, vs, relu);
  }
}

/** rowsSum's block of 8 vectors at column byte c; with `noise` (a literal), each row takes its noise first. */
@inline function sumBlock(out: usize, w: usize, b: usize, bytes: usize, x: usize, list: usize, count: i32, relu: bool, vs: v128, c: usize, runs: usize, scales: usize, noise: bool): void {
  const zero = f32x4.splat(0);
  let s0 = zero, s1 = zero, s2 = zero, s3 = zero, s4 = zero, s5 = zero, s6 = zero, s7 = zero;
  for (let k = 0; k < count; k++) {
    const i = <usize>load<i32>(list + (<usize>k << 2));
    const xi = v128.load32_splat(x + (i << 2));
    const p = w + i * bytes + c;
    const q = noise ? load<usize>(runs + (<usize>k << alignof<usize>())) + c : 0;
    const vn = noise ? v128.load32_splat(scales + (<usize>k << 2)) : zero;
    s0 = madd(xi, weights(p, q, 0, vn, noise), s0);
    s1 = madd(xi, weights(p, q, 16, vn, noise), s1);
    s2 = madd(xi, weights(p, q, 32, vn, noise), s2);
    s3 = madd(xi, weights(p, q, 48, vn, noise), s3);
    s4 = madd(xi, weights(p, q, 64, vn, noise), s4);
    s5 = madd(xi, weights(p, q, 80, vn, noise), s5);
    s6 = madd(xi, weights(p, q, 96, vn, noise), s6);
    s7 = madd(xi, weights(p, q, 112, vn, noise), s7);
  }
  finish(out + c, b + c, s0, vs, relu);
  finish(out + c + 16, b + c + 16, s1, vs, relu);
  finish(out + c + 32, b + c + 32, s2, vs, relu);
  finish(out + c + 48, b + c + 48, s3, vs, relu);
  finish(out + c + 64, b + c + 64, s4, vs, relu);
  finish(out + c + 80, b + c + 80, s5, vs, relu);
  finish(out + c + 96, b + c + 96, s6, vs, relu);
  finish(out + c + 112, b + c + 112, s7, vs, relu);
}

/**
 * The weight vector at p + offset; with `noise`, after it takes its noise (scale vn times the run
 * at q + offset).
 */
@inline function weights(p: usize, q: usize, offset: usize, vn: v128, noise: bool): v128 {
  if (!noise) return v128.load(p + offset);
  const v = madd(vn, v128.load(q + offset), v128.load(p + offset));
  v128.store(p + offset, v);
  return v;
}

@inline function finish(out: usize, b: usize, s: v128, scale: v128, relu: bool): void {
  const z = madd(s, scale, v128.load(b)); // exactly s + b when the scale is 1
  v128.store(out, relu ? f32x4.max(z, f32x4.splat(0)) : z);
}

/**
 * Gathers example `start` of the order as gather() does, and lists its nonzero inputs; permuted
 * bytes (the online study's case) in one pass.
 */
export function fastGather(m: Model, data: usize, isU8: bool, labels: usize, idx: usize, start: i32): void {
  const first = layerAt(m, 0);
  if (!(isU8 && m.perm)) {
    gather(m, data, isU8, labels, idx, start, 1);
    first.nzCount = nonzeros(m.x, m.inputSize, first.nz);
    return;
  }
  const table = byteTable();
  const src = data + rowOf(idx, start, 0) * <usize>m.inputSize;
  let count = 0;
  for (let j = 0; j < m.inputSize; j++) {
    const byte = <usize>load<u8>(src + <usize>load<u32>(m.perm + (<usize>j << 2)));
    store<f32>(m.x + (<usize>j << 2), load<f32>(table + (byte << 2)));
    store<i32>(first.nz + (<usize>count << 2), j);
    count += i32(byte != 0);
  }
  first.nzCount = count;
  if (labels) gatherLabels(m.y, labels, idx, start, 1);
}

/** The forward pass of the example fastGather took (row 0), its loss; dlogits go to m.d0. */
export function fastForward(m: Model): f64 {
  const scale = <f32>m.wScale;
  const r = decayPerStep(m);
  let input = m.x;
  let inN = m.inputSize;
  for (let l = 0; l < m.nLayers; l++) {
    const layer = layerAt(m, l);
    if (l > 0) layer.nzCount = nonzeros(input, inN, layer.nz);
    let fused: usize = 0; // under noise, the wide blocks of the real columns take it as they read the rows
    if (m.noiseSigma > 0) {
      fused = (<usize>layer.units << 2) & ~127;
      noiseRuns(m, layer, layer.nz, layer.nzCount, r, fused);
    }
    rowsSum(layer.a, layer.w, layer.b, <usize>layer.width << 2, input, layer.nz, layer.nzCount, l < m.nLayers - 1, scale, m.noiseRuns, m.noiseScales, fused);
    input = layer.a;
    inN = layer.units;
  }
  const out = layerAt(m, m.nLayers - 1);
  return softmaxXent(out.a, out.width, out.units, 1, m.y, m.d0, 1);
}

/**
 * row −= lr · (x_i · delta) on the rows of the listed inputs i, with 8 (then 2) vectors of the
 * delta held in registers over the rows.
 */
function rowsStep(w: usize, bytes: usize, x: usize, list: usize, count: i32, delta: usize, lr: f32): void {
  const vlr = f32x4.splat(lr);
  let c: usize = 0;
  for (; c + 128 <= bytes; c += 128) {
    const d0 = v128.load(delta + c);
    const d1 = v128.load(delta + c, 16);
    const d2 = v128.load(delta + c, 32);
    const d3 = v128.load(delta + c, 48);
    const d4 = v128.load(delta + c, 64);
    const d5 = v128.load(delta + c, 80);
    const d6 = v128.load(delta + c, 96);
    const d7 = v128.load(delta + c, 112);
    for (let k = 0; k < count; k++) {
      const i = <usize>load<i32>(list + (<usize>k << 2));
      const va = v128.load32_splat(x + (i << 2));
      const p = w + i * bytes + c;
      v128.store(p, nmadd(f32x4.mul(va, d0), vlr, v128.load(p)));
      v128.store(p, nmadd(f32x4.mul(va, d1), vlr, v128.load(p, 16)), 16);
      v128.store(p, nmadd(f32x4.mul(va, d2), vlr, v128.load(p, 32)), 32);
      v128.store(p, nmadd(f32x4.mul(va, d3), vlr, v128.load(p, 48)), 48);
      v128.store(p, nmadd(f32x4.mul(va, d4), vlr, v128.load(p, 64)), 64);
      v128.store(p, nmadd(f32x4.mul(va, d5), vlr, v128.load(p, 80)), 80);
      v128.store(p, nmadd(f32x4.mul(va, d6), vlr, v128.load(p, 96)), 96);
      v128.store(p, nmadd(f32x4.mul(va, d7), vlr, v128.load(p, 112)), 112);
    }
  }
  for (; c < bytes; c += 32) {
    const d0 = v128.load(delta + c);
    const d1 = v128.load(delta + c, 16);
    for (let k = 0; k < count; k++) {
      const i = <usize>load<i32>(list + (<usize>k << 2));
      const va = v128.load32_splat(x + (i << 2));
      const p = w + i * bytes + c;
      v128.store(p, nmadd(f32x4.mul(va, d0), vlr, v128.load(p)));
      v128.store(p, nmadd(f32x4.mul(va, d1), vlr, v128.load(p, 16)), 16);
    }
  }
}

/**
 * rowsStep that also adds each column's change in |w| over the rows it moves to `change`, with 4
 * (then 2) vectors of the delta and as many of the changes held in registers: each weight takes
 * the same operations as in rowsStep.
 */
function rowsStepTracked(w: usize, bytes: usize, x: usize, list: usize, count: i32, delta: usize, lr: f32, change: usize): void {
  const vlr = f32x4.splat(lr);
  const zero = f32x4.splat(0);
  let c: usize = 0;
  for (; c + 64 <= bytes; c += 64) {
    const d0 = v128.load(delta + c);
    const d1 = v128.load(delta + c, 16);
    const d2 = v128.load(delta + c, 32);
    const d3 = v128.load(delta + c, 48);
    let c0 = zero, c1 = zero, c2 = zero, c3 = zero;
    for (let k = 0; k < count; k++) {
      const i = <usize>load<i32>(list + (<usize>k << 2));
      const va = v128.load32_splat(x + (i << 2));
      const p = w + i * bytes + c;
      c0 = stepTracked(p, 0, va, d0, vlr, c0);
      c1 = stepTracked(p, 16, va, d1, vlr, c1);
      c2 = stepTracked(p, 32, va, d2, vlr, c2);
      c3 = stepTracked(p, 48, va, d3, vlr, c3);
    }
    addTo(change + c, c0);
    addTo(change + c + 16, c1);
    addTo(change + c + 32, c2);
    addTo(change + c + 48, c3);
  }
  for (; c < bytes; c += 32) {
    const d0 = v128.load(delta + c);
    const d1 = v128.load(delta + c, 16);
    let c0 = zero, c1 = zero;
    for (let k = 0; k < count; k++) {
      const i = <usize>load<i32>(list + (<usize>k << 2));
      const va = v128.load32_splat(x + (i << 2));
      const p = w + i * bytes + c;
      c0 = stepTracked(p, 0, va, d0, vlr, c0);
      c1 = stepTracked(p, 16, va, d1, vlr, c1);
    }
    addTo(change + c, c0);
    addTo(change + c + 16, c1);
  }
}

@inline function addTo(p: usize, v: v128): void {
  v128.store(p, f32x4.add(v128.load(p), v));
}

/** One vector of rowsStep's update at p + offset; returns acc + (|new| − |old|). */
@inline function stepTracked(p: usize, offset: usize, va: v128, d: v128, vlr: v128, acc: v128): v128 {
  const old = v128.load(p + offset);
  const now = nmadd(f32x4.mul(va, d), vlr, old);
  v128.store(p + offset, now);
  return f32x4.add(acc, f32x4.sub(f32x4.abs(now), f32x4.abs(old)));
}

/**
 * row −= lr · (a · delta) in one pass over the row, storing scale · (row · delta) with the old
 * weights at `dot`; the dot has two accumulators (even and odd vectors) so that the additions
 * overlap. With `change` (0: none; callers pass a literal 0, so the tracking compiles away) each
 * column's change in |w| is added there and the row's change in Σ|w| is returned.
 */
@inline function rowDotStep(row: usize, delta: usize, bytes: usize, a: f32, lr: f32, dot: usize, scale: f32, change: usize): f32 {
  const va = f32x4.splat(a);
  const vlr = f32x4.splat(lr);
  let s0 = f32x4.splat(0);
  let s1 = s0;
  let t = s0;
  for (let j: usize = 0; j < bytes; j += 32) {
    const d0 = v128.load(delta + j);
    const d1 = v128.load(delta + j, 16);
    const o0 = v128.load(row + j);
    const o1 = v128.load(row + j, 16);
    s0 = madd(o0, d0, s0);
    s1 = madd(o1, d1, s1);
    const n0 = nmadd(f32x4.mul(va, d0), vlr, o0);
    const n1 = nmadd(f32x4.mul(va, d1), vlr, o1);
    v128.store(row + j, n0);
    v128.store(row + j, n1, 16);
    if (change) {
      const m0 = f32x4.sub(f32x4.abs(n0), f32x4.abs(o0));
      const m1 = f32x4.sub(f32x4.abs(n1), f32x4.abs(o1));
      addTo(change + j, m0);
      addTo(change + j + 16, m1);
      t = f32x4.add(f32x4.add(t, m0), m1);
    }
  }
  store<f32>(dot, lanesSum(f32x4.add(s0, s1)) * scale);
  return lanesSum(t);
}

/** (lane 0 + lane 1) + (lane 2 + lane 3): with lanes of columns j ≡ k (mod 4), the row's sum. */
@inline function lanesSum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

/**
 * Backward pass and SGD update of the example fastForward saw, last layer first. With decoupled
 * weight decay wd, W ← W − lr·(g + wd·W) = r·W − lr·g with r = 1 − lr·wd: the scale takes the r
 * and the stored rows of nonzero inputs take −lr·g / scale; the biases decay as they are. With
 * `track` (continual backprop without decay or noise), the moved rows' change in |w| goes into
 * the utility's sums: per column into a hidden layer's Σ|W_in|, per row into the mean |W_out| of
 * the unit below, unless the sums are to be made afresh anyway.
 */
export function fastUpdate(m: Model, track: bool): void {
  const lr = <f32>desc(m, OPTF_LEARNING_RATE);
  const wd = <f32>desc(m, OPTF_WEIGHT_DECAY);
  const before = <f32>m.wScale;
  m.wScale *= decayPerStep(m);
  const lrStored = <f32>(<f64>lr / m.wScale); // lr itself while the scale is 1
  let delta = m.d0;
  let below = m.d1;
  for (let l = m.nLayers - 1; l >= 0; l--) {
    const layer = layerAt(m, l);
    const bytes = <usize>layer.width << 2;
    const change = m.cbpScratch;
    if (track) memory.fill(change, 0, bytes);
    if (l == 0) {
      // no delta below the first layer
      if (track) rowsStepTracked(layer.w, bytes, m.x, layer.nz, layer.nzCount, delta, lrStored, change);
      else rowsStep(layer.w, bytes, m.x, layer.nz, layer.nzCount, delta, lrStored);
    } else {
      const lower = layerAt(m, l - 1);
      // The delta below is 0 wherever the input was 0 (ReLU's gradient) and in the padding.
      memory.fill(below, 0, <usize>lower.width << 2);
      const outMag = track && !lower.cbpStale ? lower.cbpOutMag : 0;
      for (let k = 0; k < layer.nzCount; k++) {
        const i = <usize>load<i32>(layer.nz + (<usize>k << 2));
        const ai = load<f32>(lower.a + (i << 2));
        const row = layer.w + i * bytes;
        const dot = below + (i << 2); // ai > 0 for a listed input: ReLU's gradient is 1
        if (!track) {
          rowDotStep(row, delta, bytes, ai, lrStored, dot, before, 0);
          continue;
        }
        const moved = rowDotStep(row, delta, bytes, ai, lrStored, dot, before, change);
        if (outMag) store<f64>(outMag + (i << 3), load<f64>(outMag + (i << 3)) + <f64>moved / <f64>layer.units);
      }
    }
    if (track && l < m.nLayers - 1 && !layer.cbpStale) {
      for (let j: usize = 0; j < bytes; j += 16) addTo(layer.cbpInMag + j, v128.load(change + j));
    }
    const vlr = f32x4.splat(lr);
    const vwd = f32x4.splat(wd);
    for (let j: usize = 0; j < bytes; j += 16) {
      let b = v128.load(layer.b + j);
      if (wd > 0) b = f32x4.sub(b, f32x4.mul(f32x4.mul(b, vwd), vlr));
      v128.store(layer.b + j, f32x4.sub(b, f32x4.mul(v128.load(delta + j), vlr)));
    }
    const t = delta;
    delta = below;
    below = t;
  }
  m.step++;
  // Far below 1, the stored weights would grow towards overflow: settle long before.
  if (m.wScale < 1.0 / <f64>(1 << SETTLE_SHIFT)) fastSettle(m);
}

/** r = 1 − lr·wd, the factor by which the decay moves every real weight per step (1 without). */
export function decayPerStep(m: Model): f64 {
  return 1 - <f64>(<f32>desc(m, OPTF_LEARNING_RATE)) * <f64>(<f32>desc(m, OPTF_WEIGHT_DECAY));
}

/** Multiplies the scale of the lazy weight decay into the stored kernels, which then are W. */
export function fastSettle(m: Model): void {
  if (m.wScale == 1) return;
  const vs = f32x4.splat(<f32>m.wScale);
  for (let l = 0; l < m.nLayers; l++) {
    const layer = layerAt(m, l);
    const end = layer.w + ((<usize>layer.inDim * layer.width) << 2);
    for (let p = layer.w; p < end; p += 16) v128.store(p, f32x4.mul(v128.load(p), vs));
  }
  m.wScale = 1;
}
