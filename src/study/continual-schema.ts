// The continual study's results file (kind "continual"): its JSON Schema, with bounds on every
// size, and the check merge runs on every file before it uses any value of it.
import { Ajv2020 } from "ajv/dist/2020.js";
import { DataError } from "../errors.js";
import { OPTIMIZERS } from "../engine/optimizer.js";
import { REPORT_LIMITS as L, array, deadUnits, int, object, text } from "./report-schema.js";
import { METHODS, type ContinualConfig } from "./continual-config.js";
import type { ContinualRun } from "./continual.js";
import type { Shard } from "./grid.js";

/** A continual results file: what `continual --json` writes and `merge` reads. */
export interface ContinualReport {
  schemaVersion: 1;
  kind: "continual";
  generator: string;
  backend: string;
  config: ContinualConfig;
  /** The slice of the runs this file holds, or null for all of them. */
  shard: Shard | null;
  seconds: number;
  runs: ContinualRun[];
}

/** Tasks a file may hold per run. */
const MAX_TASKS = 100_000;
const share = { type: "number", minimum: 0, maximum: 1 };
const finite = { type: "number" };
const perLayer = (items: object) => array(items, L.layers);

const task = object(
  {
    task: int(1, MAX_TASKS),
    onlineAccuracy: share,
    loss: { type: ["number", "null"] },
    deadUnits: perLayer(deadUnits),
    effectiveRank: perLayer({ type: ["number", "null"], minimum: 0, maximum: L.units }), // null: diverged
    approximateRank: perLayer(int(0, L.units)),
    weightMagnitude: { type: ["number", "null"] },
    replaced: perLayer(int(0, 2 ** 53)),
  },
  ["task", "onlineAccuracy", "loss", "deadUnits", "effectiveRank", "approximateRank", "weightMagnitude", "replaced"],
);

const run = object(
  {
    method: { enum: METHODS },
    seed: int(0, 2 ** 31),
    stepsPerSecond: { type: "number", minimum: 0 },
    seconds: { type: "number", minimum: 0 },
    diverged: { type: "boolean" },
    tasks: array(task, MAX_TASKS),
  },
  ["method", "seed", "stepsPerSecond", "seconds", "diverged", "tasks"],
);

const config = object(
  {
    tasks: int(1, MAX_TASKS),
    perTask: int(1, 1e9),
    layers: array(int(1, L.units), L.layers),
    optimizer: { enum: OPTIMIZERS },
    learningRate: finite,
    batchSize: int(1, 1),
    methods: array({ enum: METHODS }, METHODS.length),
    weightDecay: finite,
    noise: finite,
    replacementRate: finite,
    maturity: int(0, 1e9),
    decay: finite,
    redoTau: finite,
    probe: int(1, 1e9),
    seed: int(0, 2 ** 31),
    seeds: int(1, 1000),
  },
  [
    "tasks",
    "perTask",
    "layers",
    "optimizer",
    "learningRate",
    "batchSize",
    "methods",
    "weightDecay",
    "noise",
    "replacementRate",
    "maturity",
    "decay",
    "redoTau",
    "probe",
    "seed",
    "seeds",
  ],
);

export const CONTINUAL_SCHEMA = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  title: "dying-relu continual results",
  ...object(
    {
      schemaVersion: { const: 1 },
      kind: { const: "continual" },
      generator: text,
      backend: text,
      config,
      shard: { oneOf: [{ type: "null" }, object({ index: int(1, 1000), count: int(1, 1000) }, ["index", "count"])] },
      seconds: { type: "number", minimum: 0 },
      runs: array(run, 1000 * METHODS.length),
    },
    ["schemaVersion", "kind", "generator", "backend", "config", "shard", "seconds", "runs"],
  ),
};

let validate: ((data: unknown) => boolean) & { errors?: { instancePath: string; message?: string }[] | null };

/** `data` if it is a continual results file; else a DataError naming `file` and the first problem. */
export function checkContinualReport<T>(data: unknown, file: string): T {
  validate ??= new Ajv2020({ allErrors: false, strict: true }).compile(CONTINUAL_SCHEMA);
  if (!validate(data)) {
    const [e] = validate.errors ?? [];
    const where = e?.instancePath ? e.instancePath.slice(1).replaceAll("/", ".") : "the file";
    throw new DataError(`${file}: not a dying-relu continual results file: ${where} ${e?.message ?? "is malformed"}`);
  }
  const c = (data as { config: { seeds: number; methods: unknown[] } }).config;
  if (c.seeds * c.methods.length > 1000 * METHODS.length)
    throw new DataError(`${file}: its config spans too many runs`);
  return data as T;
}
