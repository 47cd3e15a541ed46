// Shrink and Perturb's noise: N(0, σ²) on every real weight and bias after each online step.
//
// A fresh draw per parameter and step would cost more than the step itself, so the deviates come
// from a table of NOISE_TABLE standard normals drawn once from the model's generator. Each step
// the generator draws a start in the table, and the rows that take noise until the next step read
// consecutive runs from there: within a step no two rows share an entry (unless the rows due hold
// more weights than the table has entries), and from step to step each weight's deviate is a
// uniform pick from the table. Reading the table in order also lets
// the processor fetch it ahead, which random runs would not.
//
// The fast step reads and writes only the kernel rows of nonzero inputs, so a kernel row's noise
// waits until the row is next read: n steps of noise, each decayed by r = 1 − lr·wd per later
// step, sum to one normal of variance σ²·Σ_{k<n} r^{2k}, which is what the row takes then. Between
// reads nothing else moves the row, so its distribution is the eager one's. Biases are read every
// step and take their noise every step. The forward pass adds a row's noise as it reads the row
// (noiseRuns lays out each row's run and scale), rather than in a pass of its own.
import { Model, Layer, layerAt } from "./model";
import { rngNormal } from "./init";
import { madd } from "./kernels/gemm";
import { NOISE_TABLE, NOISE_GAINS } from "./codes";
import { rngNext } from "./prng";

/** Switches the perturbation on (σ > 0) or off (σ = 0); no noise is due on the current weights. */
export function modelSetNoise(m: Model, sigma: f64): void {
  m.noiseSigma = sigma;
  m.noiseClock = 0;
  if (sigma == 0) return;
  m.noiseCursor = rngNext(m.rng) & (NOISE_TABLE - 1);
  if (m.noiseTable == 0) {
    // maxWidth entries more, repeating the first, so that a run never wraps
    m.noiseTable = heap.alloc(<usize>(NOISE_TABLE + m.maxWidth) << 2);
    for (let i = 0; i < NOISE_TABLE; i++) store<f32>(m.noiseTable + (<usize>i << 2), <f32>rngNormal(m.rng));
    memory.copy(m.noiseTable + (<usize>NOISE_TABLE << 2), m.noiseTable, <usize>m.maxWidth << 2);
    m.noiseGain = heap.alloc(<usize>NOISE_GAINS << 3);
    m.noiseDecay = NaN; // the gains are made on the first catch-up
    let rows = 0;
    for (let l = 0; l < m.nLayers; l++) rows = max(rows, layerAt(m, l).inDim);
    m.noiseRuns = heap.alloc(<usize>rows << alignof<usize>());
    m.noiseScales = heap.alloc(<usize>rows << 2);
    m.noiseZeros = heap.alloc(<usize>m.maxWidth << 2);
    memory.fill(m.noiseZeros, 0, <usize>m.maxWidth << 2);
  }
  for (let l = 0; l < m.nLayers; l++) {
    const layer = layerAt(m, l);
    if (layer.noiseSeen == 0) layer.noiseSeen = heap.alloc(<usize>layer.inDim << 2);
    memory.fill(layer.noiseSeen, 0, <usize>layer.inDim << 2);
  }
}

/** One online step is done: the biases take its noise now, the kernel rows when next read. */
export function noiseStep(m: Model): void {
  m.noiseClock++;
  m.noiseCursor = rngNext(m.rng) & (NOISE_TABLE - 1);
  const sigma = <f32>m.noiseSigma;
  for (let l = 0; l < m.nLayers; l++) {
    const layer = layerAt(m, l);
    addRun(m, layer.b, layer.units, sigma);
  }
}

/**
 * Lays out the noise due on the listed kernel rows of a layer (count of them, i32 indices at list)
 * for the forward pass, which adds it to the columns before `fused` bytes as it reads them: the
 * k-th row's run start goes to m.noiseRuns and its scale to m.noiseScales; a row with no noise due
 * gets a run of zeros and the scale −0, which adds nothing (not even to a −0). The columns from
 * `fused` on take their noise here. r is the decay per step of the rows' real values (1 when
 * nothing decays).
 */
export function noiseRuns(m: Model, layer: Layer, list: usize, count: i32, r: f64, fused: usize): void {
  if (r != m.noiseDecay) makeGains(m, r);
  const sigma = m.noiseSigma / m.wScale; // the stored kernels are W / wScale
  for (let k = 0; k < count; k++) catchUpRow(m, layer, load<i32>(list + (<usize>k << 2)), sigma, r, <i32>(fused >> 2), k, true);
}

/** catchUpRow on every kernel row of every layer. */
export function noiseCatchUpAll(m: Model, r: f64): void {
  if (r != m.noiseDecay) makeGains(m, r);
  const sigma = m.noiseSigma / m.wScale;
  for (let l = 0; l < m.nLayers; l++) {
    const layer = layerAt(m, l);
    const rows = l == 0 ? m.inputSize : layerAt(m, l - 1).units;
    for (let i = 0; i < rows; i++) catchUpRow(m, layer, i, sigma, r, 0, 0, false);
  }
}

/**
 * Row i of a layer's kernel takes the noise due on its columns from `from` on; with `record` (a
 * literal), its run and scale go to slot k of m.noiseRuns and m.noiseScales, a row with none due
 * getting zeros at scale −0.
 */
@inline function catchUpRow(m: Model, layer: Layer, i: i32, sigma: f64, r: f64, from: i32, k: i32, record: bool): void {
  const seen = layer.noiseSeen + (<usize>i << 2);
  const n = m.noiseClock - load<i32>(seen);
  let run = m.noiseZeros;
  let scale: f32 = -0.0;
  if (n > 0) {
    store<i32>(seen, m.noiseClock);
    run = nextRun(m, layer.units);
    scale = <f32>(sigma * gain(m, n, r));
    addRunAt(layer.w + ((<usize>i * layer.width) << 2), run, layer.units, scale, from);
  }
  if (record) {
    store<usize>(m.noiseRuns + (<usize>k << alignof<usize>()), run);
    store<f32>(m.noiseScales + (<usize>k << 2), scale);
  }
}

function makeGains(m: Model, r: f64): void {
  m.noiseDecay = r;
  let g: f64 = 0;
  for (let n = 0; n < NOISE_GAINS; n++) {
    store<f64>(m.noiseGain + (<usize>n << 3), Math.sqrt(g));
    g = 1 + r * r * g;
  }
}

// √(Σ_{k<n} r^{2k}) for the n below NOISE_GAINS is kept in a table; larger n take the closed form.
@inline function gain(m: Model, n: i32, r: f64): f64 {
  if (n < NOISE_GAINS) return load<f64>(m.noiseGain + (<usize>n << 3));
  return r == 1 ? Math.sqrt(<f64>n) : Math.sqrt((1 - Math.pow(r, 2 * <f64>n)) / (1 - r * r));
}

/** The run of n deviates that follows the last one in the table. */
@inline function nextRun(m: Model, n: i32): usize {
  const run = m.noiseTable + (<usize>m.noiseCursor << 2);
  m.noiseCursor = (m.noiseCursor + n) & (NOISE_TABLE - 1);
  return run;
}

/** p[j] += scale · run[j] for j < n, with the run that follows the last one in the table. */
@inline function addRun(m: Model, p: usize, n: i32, scale: f32): void {
  addRunAt(p, nextRun(m, n), n, scale, 0);
}

/** p[j] += scale · run[j] for from ≤ j < n (from a multiple of 4): whole vectors, then single floats. */
@inline function addRunAt(p: usize, run: usize, n: i32, scale: f32, from: i32): void {
  const vs = f32x4.splat(scale);
  let j = from;
  for (; j + 4 <= n; j += 4) {
    const q = p + (<usize>j << 2);
    v128.store(q, madd(vs, v128.load(run + (<usize>j << 2)), v128.load(q)));
  }
  for (; j < n; j++) {
    const q = p + (<usize>j << 2);
    store<f32>(q, load<f32>(q) + scale * load<f32>(run + (<usize>j << 2)));
  }
}
