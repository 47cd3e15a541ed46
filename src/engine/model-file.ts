// The model file format, version 1: a trained Sequential as one JSON object.
//
//   {
//     "format": "dying-relu-model",
//     "version": 1,
//     "inputSize": 784,
//     "layers": [{ "name": "dense_1", "units": 128, "activation": "relu" }, …],
//                (leaky_relu and elu layers also carry their "alpha")
//     "encoding": "float32-le-base64",
//     "weights": [{ "kernel": "<base64>", "bias": "<base64>" }, …]
//   }
//
// One weights entry per layer: the kernel is [inputs, units] row-major (Keras' layout, inputs =
// inputSize for the first layer, the previous layer's units after that), the bias [units]. With
// "encoding": "float32-le-base64" (what save() writes) each array is the base64 of its float32
// values, little-endian — exact, and NaN/Inf of a diverged run survive; without "encoding" (or
// "json") each is a plain array of numbers, handy for hand-written files.
import { DataError, hasControl, show } from "../errors.js";
import { takesAlpha, type Activation } from "./activations.js";
import type { LayerWeights, SequentialConfig } from "./types.js";

export const MODEL_FORMAT = "dying-relu-model";
export const MODEL_VERSION = 1;

export interface ModelFile {
  format: typeof MODEL_FORMAT;
  version: typeof MODEL_VERSION;
  inputSize: number;
  layers: { name: string; units: number; activation: Activation; alpha?: number }[];
  encoding?: "float32-le-base64" | "json";
  weights: { kernel: string | number[]; bias: string | number[] }[];
}

/** A model file that is not JSON, not this format or version, or whose content does not fit its layers. */
export class ModelFileError extends DataError {}

function toBase64(values: Float32Array): string {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function fromBase64(text: string, what: string): Float32Array {
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    throw new ModelFileError(`${what} is not valid base64`);
  }
  if (binary.length % 4 !== 0)
    throw new ModelFileError(`${what} holds ${binary.length} bytes, not a whole number of float32 values`);
  const view = new DataView(Uint8Array.from(binary, (c) => c.charCodeAt(0)).buffer);
  return Float32Array.from({ length: binary.length / 4 }, (_, i) => view.getFloat32(i * 4, true));
}

/** The model file of these layers and weights (float32-le-base64). */
export function encodeModel(
  inputSize: number,
  layers: { name: string; units: number; activation: Activation; alpha?: number }[],
  weights: LayerWeights[],
): ModelFile {
  return {
    format: MODEL_FORMAT,
    version: MODEL_VERSION,
    inputSize,
    layers: layers.map(({ name, units, activation, alpha }) =>
      takesAlpha(activation) ? { name, units, activation, alpha } : { name, units, activation },
    ),
    encoding: "float32-le-base64",
    weights: weights.map((w) => ({ kernel: toBase64(w.kernel), bias: toBase64(w.bias) })),
  };
}

const MAX_LAYERS = 1000;
const MAX_NAME = 200;
/** Layer names are printed, so they may hold no control characters. */
const isName = (v: unknown) => typeof v === "string" && v.length <= MAX_NAME && !hasControl(v);
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
const wholeAtLeast1 = (v: unknown) => typeof v === "number" && Number.isInteger(v) && v >= 1;

/**
 * Checks a model file (its JSON text or the parsed object) and returns the Sequential config and
 * the weights it holds; throws a one-line ModelFileError naming what is wrong. The activations are
 * checked by the Sequential constructor.
 */
export function decodeModel(json: unknown): { config: SequentialConfig; weights: LayerWeights[] } {
  let file: unknown = json;
  if (typeof json === "string") {
    try {
      file = JSON.parse(json);
    } catch (e) {
      throw new ModelFileError(`model file is not JSON (${String((e as Error).message).split("\n")[0]})`);
    }
  }
  if (!isObject(file) || file.format !== MODEL_FORMAT) {
    throw new ModelFileError(
      `not a dying-relu model file: expected "format": "${MODEL_FORMAT}", got ${isObject(file) ? (file.format === undefined ? "none" : show(file.format)) : typeof file}`,
    );
  }
  if (file.version !== MODEL_VERSION) {
    throw new ModelFileError(
      `model file version ${file.version === undefined ? "missing" : show(file.version)} is not supported (this engine reads version ${MODEL_VERSION})`,
    );
  }
  if (!wholeAtLeast1(file.inputSize))
    throw new ModelFileError(`model file: inputSize must be a whole number ≥ 1, got ${show(file.inputSize)}`);
  const { layers, weights, encoding } = file;
  if (!Array.isArray(layers) || layers.length === 0 || layers.length > MAX_LAYERS)
    throw new ModelFileError(
      `model file: layers must be an array of 1 to ${MAX_LAYERS} { name, units, activation }, got ${show(layers)}`,
    );
  layers.forEach((l, i) => {
    if (!isObject(l) || !isName(l.name) || !wholeAtLeast1(l.units) || typeof l.activation !== "string") {
      throw new ModelFileError(
        `model file: layers[${i}] must be { name: up to ${MAX_NAME} printable characters, units: whole number ≥ 1, activation: string }, got ${isObject(l) ? `one with name ${show(l.name)}, units ${show(l.units)}` : show(l)}`,
      );
    }
  });
  if (encoding !== undefined && encoding !== "json" && encoding !== "float32-le-base64") {
    throw new ModelFileError(`model file: unknown encoding ${show(encoding)} (expected "float32-le-base64" or "json")`);
  }
  if (!Array.isArray(weights) || weights.length !== layers.length) {
    throw new ModelFileError(
      `model file: weights must hold one { kernel, bias } per layer (${layers.length}), got ${Array.isArray(weights) ? weights.length : typeof weights}`,
    );
  }
  const base64 = encoding === "float32-le-base64";
  const values = (v: unknown, what: string, expected: number): Float32Array => {
    let a: Float32Array;
    if (base64) {
      if (typeof v !== "string") throw new ModelFileError(`${what} must be a base64 string`);
      a = fromBase64(v, what);
    } else {
      if (!Array.isArray(v) || !v.every((x) => typeof x === "number"))
        throw new ModelFileError(`${what} must be an array of numbers`);
      a = Float32Array.from(v);
    }
    if (a.length !== expected)
      throw new ModelFileError(`${what} holds ${a.length} values, but its layer's shape needs ${expected}`);
    return a;
  };
  let inputs = file.inputSize as number;
  const decoded = layers.map((l: { name: string; units: number }, i) => {
    const w = weights[i];
    if (!isObject(w)) throw new ModelFileError(`model file: weights[${i}] must be { kernel, bias }`);
    const kernel = values(w.kernel, `model file: layer ${l.name} kernel`, inputs * l.units);
    const bias = values(w.bias, `model file: layer ${l.name} bias`, l.units);
    inputs = l.units;
    return { kernel, bias };
  });
  return {
    config: {
      inputSize: file.inputSize as number,
      layers: layers.map((l: { name: string; units: number; activation: Activation; alpha?: number }) => ({
        name: l.name,
        units: l.units,
        activation: l.activation,
        ...(l.alpha !== undefined ? { alpha: l.alpha } : {}),
      })),
    },
    weights: decoded,
  };
}
