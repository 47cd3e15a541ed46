// The CLI's progress output: Keras' epoch lines, and the live lines of runs training at once.
import { describe, expect, it } from "vitest";
import { formatValue, kerasProgress, parallelProgress, progressLine } from "../src/cli/progress.js";
import type { Logs } from "../src/engine/types.js";

/** Logs with only a loss, as a diverging or loss-only fit reports them. */
const loss = (value: number) => ({ loss: value }) as unknown as Logs;

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes start with ESC
const plain = (s: string) => s.replace(/\x1b\[[0-9;]*[A-Za-z]|\r/g, "");

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  return { out: { isTTY, columns: 200, write: (t: string) => chunks.push(t) }, chunks };
}

describe("progress lines", () => {
  it("formats values and the finished bar as Keras does", () => {
    expect(formatValue(0.97921)).toBe("0.9792");
    expect(formatValue(0.000123)).toBe("1.2300e-4");
    expect(formatValue(0)).toBe("0.0000");
    expect(progressLine(188, 188, 1128, { loss: 0.5, accuracy: 0.9 }, false)).toBe(
      "188/188 ━━━━━━━━━━━━━━━━━━━━ 1s 6ms/step - accuracy: 0.9000 - loss: 0.5000",
    );
    // A running bar shows the time left, from the mean step so far.
    expect(plain(progressLine(47, 188, 470, loss(1), true))).toBe(
      " 47/188 ━━━━━━━━━━━━━━━━━━━━ 1s 10ms/step - loss: 1.0000",
    );
  });

  it("one run: the epoch line comes when the epoch begins, its bar when it ends", () => {
    const { out, chunks } = sink(false);
    const p = kerasProgress(out, 5, 188);
    p.onEpochBegin?.(0);
    expect(chunks).toEqual(["Epoch 1/5\n"]);
    p.onBatchEnd?.(0, loss(1)); // not redrawn off a terminal
    expect(chunks.length).toBe(1);
    p.onEpochEnd?.(0, loss(1));
    expect(chunks[1]).toMatch(/^188\/188 ━+ \d+s \d+ms\/step - loss: 1\.0000\n$/);
  });

  it("runs at once on a terminal: each has a live epoch line from the moment its epoch begins", () => {
    const { out, chunks } = sink(true);
    const p = parallelProgress(out, 5, 188, [0.5, 0.1]);
    p.onEpochBegin(1, 0);
    expect(plain(chunks.join(""))).toBe("[lr 0.1] Epoch 1/5\n");
    p.onEpochBegin(0, 0);
    p.onBatchEnd(0, 93, loss(2), 940);
    // Redrawn in place: the live lines in learning-rate order, below everything finished.
    const screen = plain(chunks.at(-1)!);
    expect(screen).toBe(
      "[lr 0.5] Epoch 1/5  94/188 ━━━━━━━━━━━━━━━━━━━━ 0s 10ms/step - loss: 2.0000\n[lr 0.1] Epoch 1/5\n",
    );
    p.onEpochEnd(0, 0, loss(1.5), 1880);
    expect(plain(chunks.at(-1)!)).toBe(
      "[lr 0.5] Epoch 1/5 188/188 ━━━━━━━━━━━━━━━━━━━━ 1s 10ms/step - loss: 1.5000\n[lr 0.1] Epoch 1/5\n",
    );
  });

  it("runs at once elsewhere: only finished epochs, each one whole line", () => {
    const { out, chunks } = sink(false);
    const p = parallelProgress(out, 5, 188, [0.5, 0.1]);
    p.onEpochBegin(0, 0);
    p.onBatchEnd(0, 10, loss(2), 100);
    expect(chunks).toEqual([]);
    p.onEpochEnd(0, 0, loss(1.5), 1880);
    p.onRunEnd(1, { epoch: 1, step: 12 } as never);
    expect(chunks).toEqual([
      "[lr 0.5] Epoch 1/5 188/188 ━━━━━━━━━━━━━━━━━━━━ 1s 10ms/step - loss: 1.5000\n",
      "[lr 0.1] Epoch 1/5 diverged at step 12: the loss became NaN/Inf\n",
    ]);
  });
});
