// A model's layers as sequential() is given them, checked one by one and resolved (defaults
// filled in) into the form the model keeps.
import { ArgumentError, show } from "../errors.js";
import { DENSE, L2, denseName } from "../keras-defaults.js";
import { integerIn, knownKeys, nonNegative, oneOf } from "../validate.js";
import { ACTIVATIONS, ALPHA_ACTIVATIONS, defaultAlpha, takesAlpha, type Activation } from "./activations.js";
import { INITIALIZERS, type Initializer } from "./initializers.js";
import { MAX_UNITS } from "./sizes.js";
import type { LayerConfig } from "./types.js";

const LAYER_OPTIONS = [
  "units",
  "activation",
  "alpha",
  "kernelInitializer",
  "kernelRegularizer",
  "name",
] as const satisfies readonly (keyof LayerConfig)[];

/** A layer as the model keeps it: its config resolved, defaults filled in. */
export interface Layer {
  name: string;
  inputs: number;
  units: number;
  activation: Activation;
  alpha: number;
  kernelInitializer: Initializer;
  l2: number;
}

/** The layers of a model on `inputSize` inputs; an ArgumentError names the first bad field. */
export function resolveLayers(inputSize: number, layers: unknown): Layer[] {
  if (!Array.isArray(layers) || layers.length === 0) {
    throw new ArgumentError(`layers must be a non-empty array of { units, activation }, got ${show(layers)}`);
  }
  let inputs = inputSize;
  const resolved = layers.map((l, i) => {
    const units = integerIn(`layers[${i}].units`, l?.units, 1, MAX_UNITS);
    knownKeys(`layers[${i}]`, l, LAYER_OPTIONS);
    const activation = oneOf(`layers[${i}].activation`, l.activation, ACTIVATIONS);
    if (activation === "softmax" && i !== layers.length - 1) {
      throw new ArgumentError(`layers[${i}].activation "softmax" is only supported on the last layer`);
    }
    let alpha = 0;
    if (takesAlpha(activation)) {
      alpha = nonNegative(`layers[${i}].alpha`, l.alpha ?? defaultAlpha(activation));
    } else if (l.alpha !== undefined) {
      const which = ALPHA_ACTIVATIONS.map((a) => `"${a}"`).join(" and ");
      throw new ArgumentError(`layers[${i}].alpha only applies to ${which}, not ${show(activation)}`);
    }
    const kernelInitializer = oneOf(
      `layers[${i}].kernelInitializer`,
      l.kernelInitializer ?? DENSE.kernelInitializer,
      INITIALIZERS,
    );
    let l2 = 0;
    if (l.kernelRegularizer !== undefined) {
      const reg = l.kernelRegularizer;
      if (reg === null || typeof reg !== "object" || Object.keys(reg).some((key) => key !== "l2")) {
        throw new ArgumentError(`layers[${i}].kernelRegularizer must be { l2?: number }, got ${show(reg)}`);
      }
      l2 = nonNegative(`layers[${i}].kernelRegularizer.l2`, reg.l2 ?? L2.l2);
    }
    const layer = { name: l.name ?? denseName(i), inputs, units, activation, alpha, kernelInitializer, l2 };
    inputs = units;
    return layer;
  });
  const last = resolved[resolved.length - 1];
  if (last.activation !== "softmax") {
    throw new ArgumentError(
      `the last layer must use activation "softmax" (categorical cross-entropy), got ${show(last.activation)}`,
    );
  }
  const names = new Set<string>();
  for (const l of resolved) {
    if (names.has(l.name)) throw new ArgumentError(`layer names must be unique, "${l.name}" appears twice`);
    names.add(l.name);
  }
  return resolved;
}
