// The public types of a model, its layers, training options and results, in Keras' vocabulary.
// Sequential implements them; the study, the model file and the front ends only need the types.
import type { ResidentInputs, ResidentLabels } from "./dataset.js";
import type { Inputs, Labels } from "./memory.js";

export type { Labels };
import type { Activation } from "./activations.js";
import type { Initializer } from "./initializers.js";

/** Inputs as an array, or a dataset's x (engine.dataset), which is read in place. */
export type InputData = Inputs | ResidentInputs;
/** Labels as an array, or a dataset's y. */
export type LabelData = Labels | ResidentLabels;

export interface LayerConfig {
  units: number;
  activation: Activation;
  /**
   * leaky_relu's negative slope (Keras LeakyReLU(negative_slope), default 0.3) or elu's α
   * (default 1.0); a number ≥ 0, only for those two activations.
   */
  alpha?: number;
  /**
   * Keras' kernel_initializer by name (default "glorot_uniform"); biases start at 0, except with
   * "randomized_asymmetric" (Lu et al. 2019), which draws each unit's bias with its weights.
   */
  kernelInitializer?: Initializer;
  /**
   * Keras' kernel_regularizer=L2(l2): adds l2·Σw² over the kernel to the loss (training and
   * evaluation, as Keras reports it) and 2·l2·w to its gradient. `{}` takes Keras' l2 = 0.01.
   */
  kernelRegularizer?: { l2?: number };
  name?: string;
}

export interface SequentialConfig {
  inputSize: number;
  layers: LayerConfig[];
  /** Seeds the weight initialisation and the per-epoch shuffles. */
  seed?: number;
}

export const DEFAULT_SEED = 42;

export interface Logs {
  loss: number;
  accuracy: number;
  val_loss?: number;
  val_accuracy?: number;
}

export interface Callbacks {
  onTrainBegin?: () => void | Promise<void>;
  onEpochBegin?: (epoch: number) => void | Promise<void>;
  /** Running means over the epoch so far, as Keras' progress bar shows them. */
  onBatchEnd?: (batch: number, logs: Logs) => void | Promise<void>;
  onEpochEnd?: (epoch: number, logs: Logs) => void | Promise<void>;
  onTrainEnd?: (history: History) => void | Promise<void>;
}

export interface FitOptions {
  epochs?: number;
  batchSize?: number;
  shuffle?: boolean;
  validationSplit?: number;
  validationData?: [InputData, LabelData];
  callbacks?: Callbacks;
  /** ReDo recycling of τ-dormant hidden units during training (Sokar et al. 2023); none by default. */
  recycle?: RecycleOptions;
}

/**
 * ReDo (Sokar et al. 2023, "The Dormant Neuron Phenomenon in Deep RL"): after every `every`-th
 * training step of a fit, the τ-dormant units of every hidden layer on a probe of `probe` training
 * samples (the first of the epoch's shuffled order; default the batch size) get fresh incoming
 * weights from their layer's initialiser (bias 0, or RAI's draw), zero outgoing weights, and zero
 * optimizer moments on all of those.
 */
export interface RecycleOptions {
  every: number;
  /** The dormancy threshold τ (default 0.025, as deadUnits' `dormant`). */
  tau?: number;
  probe?: number;
}

/** One hidden layer's units recycled by recycleDormant. */
export interface RecycledUnits {
  layer: string;
  recycled: number;
  /** One byte per unit: 1 where the unit was recycled. */
  units: Uint8Array;
}

/** Where training produced a non-finite loss (1-based epoch and step); training stopped there. */
export interface Divergence {
  epoch: number;
  step: number;
}

export interface History {
  epoch: number[];
  history: { loss: number[]; accuracy: number[]; val_loss: number[]; val_accuracy: number[] };
  diverged: Divergence | null;
  /** With fit's `recycle`: per completed epoch, per hidden layer, the units ReDo recycled in it. */
  recycled?: number[][];
}

export interface LayerWeights {
  /** [inputs, units], row-major: Keras' kernel layout. */
  kernel: Float32Array;
  bias: Float32Array;
}
