// Keras' fit() progress bar (keras/src/utils/progbar.py, verbose=1):
//   Epoch 1/5
//   188/188 ━━━━━━━━━━━━━━━━━━━━ 1s 4ms/step - accuracy: 0.9792 - loss: 0.0655 - val_accuracy: …
// redrawn in place on a terminal; elsewhere only each epoch's final line is written.
import type { Callbacks, Logs } from "../engine/sequential.js";

export interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
}

const WIDTH = 20;
const REDRAW_MS = 100;

/** Keras prints metric values with %.4f, switching to %.4e for tiny magnitudes. */
export function formatValue(v: number): string {
  return Math.abs(v) > 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(4);
}

function formatEta(seconds: number): string {
  const s = Math.floor(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
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
