// Batch assembly: copies the rows a batch needs from the data set into the dense input buffer.
// idx == 0 means rows start, start+1, …; otherwise row r is idx[start + r] (the epoch's shuffle).

@inline export function rowOf(idx: usize, start: i32, r: i32): usize {
  return idx ? <usize>load<u32>(idx + ((<usize>(start + r)) << 2)) : <usize>(start + r);
}

/** Pixel bytes → f32 divided by 255, as the notebook's astype("float32") / 255.0 does. */
export function gatherU8(dst: usize, src: usize, dim: i32, idx: usize, start: i32, rows: i32): void {
  const k255 = f32x4.splat(255);
  const d = <usize>dim;
  for (let r = 0; r < rows; r++) {
    const s = src + rowOf(idx, start, r) * d;
    const o = dst + ((<usize>r * d) << 2);
    let j: usize = 0;
    for (; j + 16 <= d; j += 16) {
      const bytes = v128.load(s + j);
      const lo = i16x8.extend_low_i8x16_u(bytes);
      const hi = i16x8.extend_high_i8x16_u(bytes);
      const p = o + (j << 2);
      v128.store(p, f32x4.div(f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(lo)), k255));
      v128.store(p, f32x4.div(f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(lo)), k255), 16);
      v128.store(p, f32x4.div(f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(hi)), k255), 32);
      v128.store(p, f32x4.div(f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(hi)), k255), 48);
    }
    for (; j < d; j++) store<f32>(o + (j << 2), <f32>load<u8>(s + j) / 255);
  }
}

export function gatherF32(dst: usize, src: usize, dim: i32, idx: usize, start: i32, rows: i32): void {
  const bytes = (<usize>dim) << 2;
  for (let r = 0; r < rows; r++) {
    memory.copy(dst + <usize>r * bytes, src + rowOf(idx, start, r) * bytes, bytes);
  }
}

// byte / 255 in f32 for every byte, made on first use: the same values as gatherU8's division.
let byteScale: usize = 0;

/** The 256 f32s byte / 255. */
export function byteTable(): usize {
  if (byteScale == 0) {
    byteScale = heap.alloc(256 << 2);
    for (let b = 0; b < 256; b++) store<f32>(byteScale + (<usize>b << 2), <f32>b / 255);
  }
  return byteScale;
}

/** As gatherU8 (isU8) or gatherF32, with the inputs permuted: x[r, j] = row[perm[j]]. */
export function gatherPermuted(dst: usize, src: usize, isU8: bool, dim: i32, idx: usize, start: i32, rows: i32, perm: usize): void {
  const d = <usize>dim;
  const byteScale = isU8 ? byteTable() : 0;
  for (let r = 0; r < rows; r++) {
    const o = dst + ((<usize>r * d) << 2);
    const row = rowOf(idx, start, r) * d;
    if (isU8) {
      for (let j: usize = 0; j < d; j++) {
        const byte = <usize>load<u8>(src + row + <usize>load<u32>(perm + (j << 2)));
        store<f32>(o + (j << 2), load<f32>(byteScale + (byte << 2)));
      }
    } else {
      for (let j: usize = 0; j < d; j++) store<f32>(o + (j << 2), load<f32>(src + ((row + <usize>load<u32>(perm + (j << 2))) << 2)));
    }
  }
}

export function gatherLabels(dst: usize, labels: usize, idx: usize, start: i32, rows: i32): void {
  for (let r = 0; r < rows; r++) {
    store<i32>(dst + (<usize>r << 2), load<i32>(labels + (rowOf(idx, start, r) << 2)));
  }
}
