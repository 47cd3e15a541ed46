// The js twin of assembly/kernels/gather.ts's pixel scaling. The gather itself reads the engine's
// memory views, so it is in createJsKernels (index.ts).

/** f32(byte) / 255 in f32, for every byte: the notebook's astype("float32") / 255.0. */
export const BYTE_SCALE = Float32Array.from({ length: 256 }, (_, b) => Math.fround(b / 255));
