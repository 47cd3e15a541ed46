// Keras' defaults, in one place: what a Keras or TF.js user gets when they leave an option out.

/** keras.optimizers.Adam */
export const ADAM = { learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 } as const;

/** keras.layers.Dense: kernel_initializer "glorot_uniform", bias_initializer "zeros". */
export const DENSE = { kernelInitializer: "glorot_uniform" } as const;

/** keras.optimizers.AdamW: Adam's defaults plus weight_decay 0.004 (decoupled). */
export const ADAMW = { ...ADAM, weightDecay: 0.004 } as const;

/** keras.optimizers.SGD */
export const SGD = { learningRate: 0.01, momentum: 0, nesterov: false } as const;

/** keras.optimizers.RMSprop */
export const RMSPROP = { learningRate: 0.001, rho: 0.9, momentum: 0, epsilon: 1e-7, centered: false } as const;

/** keras.regularizers.L2 */
export const L2 = { l2: 0.01 } as const;

/** Model.fit */
export const FIT = { epochs: 1, batchSize: 32, shuffle: true, validationSplit: 0 } as const;

/** Model.evaluate and Model.predict */
export const EVALUATE = { batchSize: 32 } as const;

/** Dense layers are named dense_1, dense_2, … in order within a model (as Keras 2 counts them). */
export function denseName(index: number): string {
  return `dense_${index + 1}`;
}

/**
 * validation_split keeps the *last* fraction of the samples for validation, taken before any
 * shuffling: the first floor(n·(1 − split)) samples train.
 */
export function trainCount(samples: number, validationSplit: number): number {
  return Math.floor(samples * (1 - validationSplit));
}
