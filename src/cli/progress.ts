// Keras' fit() progress bar (keras/src/utils/progbar.py, verbose=1):
//   Epoch 1/5
//   188/188 ━━━━━━━━━━━━━━━━━━━━ 1s 4ms/step - accuracy: 0.9792 - loss: 0.0655 - val_accuracy: …
// redrawn in place on a terminal; elsewhere only each epoch's final line is written.
// parallelProgress() does the same for several runs training at once in worker threads.
import type { Callbacks, Divergence, Logs } from "../engine/types.js";

export interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
  /** The terminal's width, where known. */
  columns?: number;
}

const WIDTH = 20;
const REDRAW_MS = 100;

/** Keras prints metric values with %.4f, switching to %.4e for tiny magnitudes. */
export function formatValue(v: number): string {
  return Math.abs(v) > 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(4);
}

function formatEta(seconds: number): string {
  const s = Math.floor(seconds);
  if (s >= 3600)
    return `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
  if (s >= 60) return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  return `${s}s`;
}

/** One progress line; `color` adds Keras' ANSI styling. */
export function progressLine(step: number, steps: number, elapsedMs: number, logs: Logs, color: boolean): string {
  const digits = String(steps).length;
  const done = Math.floor((WIDTH * step) / steps);
  const count = `${String(step).padStart(digits)}/${steps}`;
  const bar = color
    ? `\x1b[1m${count}\x1b[0m ${done > 0 ? `\x1b[32m${"━".repeat(done)}\x1b[0m` : ""}\x1b[37m${"━".repeat(WIDTH - done)}\x1b[0m`
    : `${count} ${"━".repeat(WIDTH)}`;
  const perStep = step > 0 ? elapsedMs / step : 0;
  const time = step >= steps ? `${Math.floor(elapsedMs / 1000)}s` : formatEta(((steps - step) * perStep) / 1000);
  const metrics = Object.entries(logs)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => ` - ${k}: ${formatValue(v as number)}`)
    .join("");
  return `${bar} ${time} ${Math.round(perStep)}ms/step${metrics}`;
}

export function kerasProgress(out: Output, epochs: number, steps: number): Callbacks {
  const tty = Boolean(out.isTTY);
  let started = 0;
  let drawn = 0;
  let open = false; // a partial line is on screen
  return {
    onEpochBegin(epoch) {
      out.write(`Epoch ${epoch + 1}/${epochs}\n`);
      started = drawn = performance.now();
    },
    onBatchEnd(batch, logs) {
      if (!tty) return;
      const now = performance.now();
      if (now - drawn < REDRAW_MS) return;
      drawn = now;
      open = true;
      out.write(`\r${progressLine(batch + 1, steps, now - started, logs, true)}\x1b[K`);
    },
    onEpochEnd(_epoch, logs) {
      const line = progressLine(steps, steps, performance.now() - started, logs, tty);
      out.write(tty ? `\r${line}\x1b[K\n` : `${line}\n`);
      open = false;
    },
    onTrainEnd() {
      // A diverged epoch never reaches onEpochEnd: end its partial line.
      if (open) out.write("\n");
      open = false;
    },
  };
}

export interface ParallelProgress {
  onEpochBegin(index: number, epoch: number): void;
  onBatchEnd(index: number, step: number, logs: Logs, elapsedMs: number): void;
  onEpochEnd(index: number, epoch: number, logs: Logs, elapsedMs: number): void;
  /** Ends the run's live line; a diverged run gets a line saying where. */
  onRunEnd(index: number, diverged: Divergence | null): void;
  /** Writes finished text (whole lines) above the live lines. */
  print(text: string): void;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes start with ESC
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;

/** The line cut to the terminal's width (as plain text if it has to be cut), so it never wraps. */
function clip(line: string, columns: number | undefined): string {
  if (!columns) return line;
  const plain = line.replace(ANSI, "");
  return plain.length < columns ? line : plain.slice(0, columns - 1);
}

/**
 * Progress for runs training at once: every finished epoch is one Keras line prefixed with its
 * learning rate ("[lr 0.5] Epoch 1/5 188/188 ━━━… - accuracy: …"). On a terminal each running
 * rate also has a live line below everything else, redrawn in place (cursor up, clear down).
 * `index` is the run's position in learningRates.
 */
export function parallelProgress(
  out: Output,
  epochs: number,
  steps: number,
  learningRates: number[],
  labels: string[] = learningRates.map((lr) => `[lr ${lr}]`),
): ParallelProgress {
  const tty = Boolean(out.isTTY);
  const width = Math.max(...labels.map((l) => l.length));
  const head = (index: number, epoch: number) => `${labels[index].padEnd(width)} Epoch ${epoch + 1}/${epochs}`;
  const live = new Map<number, string>(); // index → its live line
  const epochOf = new Map<number, number>();
  let shown = 0; // live lines on screen, the cursor at the start of the line below them

  const draw = (text: string) => {
    if (!tty) {
      if (text) out.write(text);
      return;
    }
    const lines = [...live.keys()].sort((a, b) => a - b).map((i) => clip(live.get(i)!, out.columns));
    out.write(`${shown ? `\x1b[${shown}A\r\x1b[J` : ""}${text}${lines.map((l) => `${l}\n`).join("")}`);
    shown = lines.length;
  };
  return {
    onEpochBegin(index, epoch) {
      epochOf.set(index, epoch);
      live.set(index, head(index, epoch));
      if (tty) draw("");
    },
    onBatchEnd(index, step, logs, elapsedMs) {
      if (!tty) return;
      live.set(
        index,
        `${head(index, epochOf.get(index) ?? 0)} ${progressLine(step + 1, steps, elapsedMs, logs, true)}`,
      );
      draw("");
    },
    onEpochEnd(index, epoch, logs, elapsedMs) {
      live.delete(index); // until the next epoch begins: its finished line says it all
      draw(`${head(index, epoch)} ${progressLine(steps, steps, elapsedMs, logs, tty)}\n`);
    },
    onRunEnd(index, diverged) {
      live.delete(index);
      epochOf.delete(index);
      if (diverged)
        draw(`${head(index, diverged.epoch - 1)} diverged at step ${diverged.step}: the loss became NaN/Inf\n`);
      else if (tty) draw("");
    },
    print: draw,
  };
}
