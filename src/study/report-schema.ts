// The result file's JSON Schema (draft 2020-12): the shape of a Report (schema.ts), with bounds on
// every size, so that a file from anyone is checked before anything is allocated for it or any
// of its values is printed. The build writes it to dist/report.schema.json for other tools.
import { HIDDEN_ACTIVATIONS } from "../engine/activations.js";
import { INITIALIZERS } from "../engine/initializers.js";
import { OPTIMIZERS, OPTIMIZER_OPTIONS, OPTIMIZER_OPTION_NAMES } from "../engine/optimizer.js";
import { SCHEMA_VERSION } from "./schema.js";

/** Bounds a file must keep; far above any real study, low enough to keep a reader safe. */
export const REPORT_LIMITS = {
  /** Runs in a file, and cells of the grid its config spans. */
  runs: 100_000,
  learningRates: 1_000,
  seeds: 100_000,
  layers: 64,
  units: 2 ** 24,
  epochs: 100_000,
  /** Per-step probes of one run. */
  probes: 1_000_000,
  text: 4_096,
} as const;

const L = REPORT_LIMITS;
export const int = (minimum: number, maximum: number) => ({ type: "integer", minimum, maximum });
const num = { type: "number" };
const positive = { type: "number", exclusiveMinimum: 0 };
const nonNegative = { type: "number", minimum: 0 };
/** Any text a file may hold: bounded and without control characters, so it can be printed. */
export const text = { type: "string", maxLength: L.text, pattern: "^[^\\u0000-\\u001f\\u007f-\\u009f]*$" };
export const array = (items: object, maxItems: number) => ({ type: "array", items, maxItems });
export const object = (properties: Record<string, object>, required: string[] = []) => ({
  type: "object",
  properties,
  required,
  additionalProperties: false,
});

export const deadUnits = object(
  {
    layer: text,
    units: int(0, L.units),
    dead: int(0, L.units),
    fraction: { type: "number", minimum: 0, maximum: 1 },
    definition: { enum: ["zero", "never-positive"] },
    nearlyDead: int(0, L.units),
    dormant: int(0, L.units),
    revived: int(0, L.units),
  },
  ["layer", "units", "dead", "fraction"],
);
const layersDead = array(deadUnits, L.layers);
// A diverged epoch's figures are NaN or ±Infinity, which JSON writes as null.
const series = array({ type: ["number", "null"] }, L.epochs);
const perUnit = array(array(int(-1, 2 ** 53), L.units), L.layers);

const run = object(
  {
    learningRate: positive,
    activation: { enum: HIDDEN_ACTIVATIONS },
    kernelInitializer: { enum: INITIALIZERS },
    seed: int(0, 2 ** 32 - 1),
    history: object({ loss: series, accuracy: series, val_loss: series, val_accuracy: series }, [
      "loss",
      "accuracy",
      "val_loss",
      "val_accuracy",
    ]),
    deadUnits: layersDead,
    deadUnitsPerEpoch: array(layersDead, L.epochs),
    lastFiredEpoch: perUnit,
    lastFiredStep: perUnit,
    deadUnitsPerStep: array(object({ step: int(1, 2 ** 53), layers: layersDead }, ["step", "layers"]), L.probes),
    recycledPerEpoch: array(
      array(object({ layer: text, recycled: int(0, L.units) }, ["layer", "recycled"]), L.layers),
      L.epochs,
    ),
    deadUnitsBeforeTraining: layersDead,
    deadMasks: array({ type: "string", maxLength: L.units, pattern: "^[01]*$" }, L.layers),
    diverged: {
      oneOf: [{ type: "null" }, object({ epoch: int(0, L.epochs), step: int(0, 2 ** 53) }, ["epoch", "step"])],
    },
    seconds: nonNegative,
  },
  ["learningRate", "seed", "history", "deadUnits", "deadUnitsPerEpoch", "diverged", "seconds"],
);

const compile = object(
  {
    optimizer: { enum: OPTIMIZERS },
    warmupSteps: int(0, 2 ** 53),
    ...Object.fromEntries(
      OPTIMIZER_OPTION_NAMES.map((o) => [o, OPTIMIZER_OPTIONS[o].type === "boolean" ? { type: "boolean" } : num]),
    ),
  },
  ["optimizer"],
);

const config = object(
  {
    learningRates: { ...array(positive, L.learningRates), minItems: 1 },
    epochs: int(1, L.epochs),
    batchSize: int(1, 2 ** 31 - 1),
    validationSplit: { type: "number", minimum: 0, exclusiveMaximum: 1 },
    validationData: { enum: ["split", "test"] },
    layers: { ...array(int(1, L.units), L.layers), minItems: 1 },
    probe: int(1, 2 ** 31 - 1),
    seed: int(0, 2 ** 32 - 1),
    activation: { enum: HIDDEN_ACTIVATIONS },
    kernelInitializer: { enum: INITIALIZERS },
    alpha: nonNegative,
    warmupSteps: int(0, 2 ** 53),
    recycle: object({ every: int(1, 2 ** 53), tau: nonNegative }, ["every"]),
    probeEvery: int(1, 2 ** 53),
    compile,
    backend: text,
    data: text,
    seeds: int(1, L.seeds),
    shard: {
      oneOf: [{ type: "null" }, object({ index: int(1, L.runs), count: int(1, L.runs) }, ["index", "count"])],
    },
    activations: { ...array({ enum: HIDDEN_ACTIVATIONS }, HIDDEN_ACTIVATIONS.length), minItems: 1, uniqueItems: true },
    initializers: { ...array({ enum: INITIALIZERS }, INITIALIZERS.length), minItems: 1, uniqueItems: true },
    threads: int(1, 1024),
    subset: int(1, 2 ** 31 - 1),
  },
  [
    "learningRates",
    "epochs",
    "batchSize",
    "validationSplit",
    "layers",
    "probe",
    "seed",
    "backend",
    "data",
    "seeds",
    "shard",
  ],
);

/** The JSON Schema of a results file (sweep --json, merge --json, the lab's download). */
export const REPORT_SCHEMA = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  title: "dying-relu results",
  description: `A study's results: its settings and one record per run (schema ${SCHEMA_VERSION}).`,
  ...object({ schemaVersion: { const: SCHEMA_VERSION }, config, runs: array(run, L.runs) }, [
    "schemaVersion",
    "config",
    "runs",
  ]),
};
