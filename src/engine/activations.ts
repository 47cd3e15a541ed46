// The activations a layer can use, in one registry: each one's engine code, how its dead units
// are told (for the hidden ones), and Keras' default α where it takes one. The lists, types and
// checks below, the CLI's --activation and --alpha, the lab's choices and the model file follow
// from it. Keras 3's defaults: keras.layers.LeakyReLU(negative_slope=0.3) (the layer's 0.3, not
// keras.activations.leaky_relu's 0.2), keras.activations.elu(alpha=1.0) and gelu(approximate=False).
import { ACT_ELU, ACT_GELU, ACT_LEAKY_RELU, ACT_LINEAR, ACT_RELU, ACT_SOFTMAX } from "./codes.js";

export interface ActivationSpec {
  /** The engine's code (assembly/codes.ts). */
  readonly code: number;
  /**
   * For a hidden activation, how a dead unit is told: its output exactly 0 on every probe sample
   * ("zero", ReLU's notebook test) or never positive (outputs that are rarely exactly 0); null for
   * the output-only activations.
   */
  readonly dead: "zero" | "never-positive" | null;
  /** Keras' default α (leaky_relu's negative slope, elu's α), or null where there is none. */
  readonly alpha: number | null;
}

export const ACTIVATION_SPECS = {
  linear: { code: ACT_LINEAR, dead: null, alpha: null },
  relu: { code: ACT_RELU, dead: "zero", alpha: null },
  softmax: { code: ACT_SOFTMAX, dead: null, alpha: null },
  leaky_relu: { code: ACT_LEAKY_RELU, dead: "never-positive", alpha: 0.3 },
  elu: { code: ACT_ELU, dead: "never-positive", alpha: 1.0 },
  gelu: { code: ACT_GELU, dead: "never-positive", alpha: null },
} as const satisfies Record<string, ActivationSpec>;

type Specs = typeof ACTIVATION_SPECS;
export type Activation = keyof Specs;
/** A hidden layer's activation: one whose units can die (all but softmax and linear). */
export type HiddenActivation = { [A in Activation]: Specs[A]["dead"] extends null ? never : A }[Activation];
/** An activation that takes α. */
export type AlphaActivation = { [A in Activation]: Specs[A]["alpha"] extends null ? never : A }[Activation];

export const ACTIVATIONS = Object.keys(ACTIVATION_SPECS) as Activation[];
export const HIDDEN_ACTIVATIONS = ACTIVATIONS.filter((a): a is HiddenActivation => ACTIVATION_SPECS[a].dead !== null);
export const ALPHA_ACTIVATIONS = ACTIVATIONS.filter((a): a is AlphaActivation => ACTIVATION_SPECS[a].alpha !== null);

export const takesAlpha = (a: string): a is AlphaActivation => (ALPHA_ACTIVATIONS as readonly string[]).includes(a);

/** Keras' default α of an activation that takes one. */
export const defaultAlpha = (a: AlphaActivation): number => ACTIVATION_SPECS[a].alpha;

/** How a hidden activation's dead units are told. */
export const deadDefinition = (a: HiddenActivation): "zero" | "never-positive" => ACTIVATION_SPECS[a].dead;
