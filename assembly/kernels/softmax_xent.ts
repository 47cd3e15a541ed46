// Softmax + categorical cross-entropy, computed from the logits as Keras does for a softmax
// output layer (it reaches for the logits rather than log(clip(probabilities))). Clipping would
// cap each sample's loss and gradient and hide the collapse at high learning rates.
//
// z: logits [rows, ld] (the first `units` columns are real), labels: i32 class per row.
//   loss_i = log Σ_j exp(z_ij − max_i) − (z_i,y − max_i)
//   dz_ij  = (softmax_ij − [j = y_i]) · scale     (scale = 1/batch: the mean loss's gradient)
// Padding columns of dz are written as 0. Returns Σ_i loss_i; `correct` counts argmax hits.

export let correct: i32 = 0;

export function softmaxXent(z: usize, ld: i32, units: i32, rows: i32, labels: usize, dz: usize, scale: f32): f64 {
  let total: f64 = 0;
  let hits = 0;
  const stride = (<usize>ld) << 2;
  for (let r = 0; r < rows; r++) {
    const row = z + <usize>r * stride;
    let best = 0;
    let max = load<f32>(row);
    for (let j = 1; j < units; j++) {
      const v = load<f32>(row + ((<usize>j) << 2));
      if (v > max) {
        max = v;
        best = j;
      }
    }
    let sum: f32 = 0;
    for (let j = 0; j < units; j++) sum += Mathf.exp(load<f32>(row + ((<usize>j) << 2)) - max);
    const y = load<i32>(labels + ((<usize>r) << 2));
    total += <f64>(Mathf.log(sum) - (load<f32>(row + ((<usize>y) << 2)) - max));
    if (best == y) hits++;
    if (dz) {
      const drow = dz + <usize>r * stride;
      const inv = scale / sum;
      for (let j = 0; j < units; j++) {
        const p = Mathf.exp(load<f32>(row + ((<usize>j) << 2)) - max) * inv;
        store<f32>(drow + ((<usize>j) << 2), j == y ? p - scale : p);
      }
      for (let j = units; j < ld; j++) store<f32>(drow + ((<usize>j) << 2), 0);
    }
  }
  correct = hits;
  return total;
}

/** Probabilities of `rows` logit rows into out [rows, units] (dense). */
export function softmaxRows(z: usize, ld: i32, units: i32, rows: i32, out: usize): void {
  for (let r = 0; r < rows; r++) {
    const row = z + ((<usize>r * ld) << 2);
    const orow = out + ((<usize>r * units) << 2);
    let max = load<f32>(row);
    for (let j = 1; j < units; j++) max = Mathf.max(max, load<f32>(row + ((<usize>j) << 2)));
    let sum: f32 = 0;
    for (let j = 0; j < units; j++) {
      const e = Mathf.exp(load<f32>(row + ((<usize>j) << 2)) - max);
      store<f32>(orow + ((<usize>j) << 2), e);
      sum += e;
    }
    const inv: f32 = 1 / sum;
    for (let j = 0; j < units; j++) store<f32>(orow + ((<usize>j) << 2), load<f32>(orow + ((<usize>j) << 2)) * inv);
  }
}
