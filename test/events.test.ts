// The run events shared by the sweep's run workers and the lab worker: what eventHooks posts for
// a run's callbacks (throttled batches on an injected clock, the last step of an epoch always,
// probe copies only when asked) and that checkRunEvent accepts exactly those shapes.
import { describe, expect, it } from "vitest";
import { checkRunEvent, eventHooks, runError, type RunEvent } from "../src/study/events.js";
import { ArgumentError } from "../src/errors.js";
import type { EpochEnd } from "../src/study/run.js";

const logs = { loss: 1, accuracy: 0.5 };

function harness(options: { probes?: boolean; batchEveryMs?: number }) {
  let t = 0;
  const posted: { event: RunEvent; transfer: ArrayBuffer[] }[] = [];
  const hooks = eventHooks(3, (event, transfer = []) => posted.push({ event, transfer }), {
    steps: 4,
    now: () => t,
    ...options,
  });
  return { hooks, posted, advance: (ms: number) => (t += ms) };
}

describe("eventHooks", () => {
  it("posts an epoch's begin, its batches at most every batchEveryMs and always its last step, then its end", async () => {
    const { hooks, posted, advance } = harness({ batchEveryMs: 10 });
    const cb = hooks.callbacks!;
    await cb.onEpochBegin?.(0);
    for (let step = 0; step < 4; step++) {
      advance(6);
      await cb.onBatchEnd?.(step, logs);
    }
    advance(5); // validation
    const masks = [Uint8Array.of(1, 0)];
    await hooks.onEpochEnd?.({ epoch: 0, logs, masks, deadUnits: [] } as unknown as EpochEnd);
    const events = posted.map((p) => p.event);
    expect(events.map((e) => [e.type, "step" in e ? e.step : null])).toEqual([
      ["epoch-begin", null],
      ["batch", 0],
      ["batch", 2], // step 1, 6 ms after step 0, held back; step 2, 12 ms after it, posted
      ["batch", 3], // the epoch's last step, though only 6 ms after step 2
      ["epoch-end", null],
    ]);
    expect(events[0]).toEqual({ type: "epoch-begin", index: 3, epoch: 0 });
    expect(events[2]).toEqual({ type: "batch", index: 3, epoch: 0, step: 2, steps: 4, logs, elapsedMs: 18 });
    expect(events[4]).toEqual({
      type: "epoch-end",
      index: 3,
      epoch: 0,
      logs,
      elapsedMs: 29,
      trainMs: 24,
      steps: 4,
    });
    for (const e of events) expect(checkRunEvent(structuredClone(e))).toEqual(e);
  });

  it("posts no batches without batchEveryMs, and no probe without `probes`", async () => {
    const { hooks, posted } = harness({});
    await hooks.callbacks!.onBatchEnd?.(3, logs);
    expect(hooks.onTrainBegin).toBeUndefined();
    expect(posted).toEqual([]);
  });

  it("with `probes`, posts copies of the masks and hands their buffers over for transfer", async () => {
    const { hooks, posted } = harness({ probes: true });
    const masks = [Uint8Array.of(1, 0, 1)];
    const deadUnits = [{ layer: "dense_1", units: 3, dead: 2, fraction: 2 / 3 }];
    hooks.onTrainBegin?.({ deadUnits, masks });
    await hooks.onEpochEnd?.({ epoch: 0, logs, masks, deadUnits } as unknown as EpochEnd);
    for (const { event, transfer } of posted) {
      const sent = (event as { masks: Uint8Array[] }).masks;
      expect(sent).toEqual(masks);
      expect(sent[0]).not.toBe(masks[0]);
      expect(transfer).toEqual([sent[0].buffer]);
      expect(checkRunEvent(event)).toEqual(event);
    }
    expect(posted.map((p) => p.event.type)).toEqual(["train-begin", "epoch-end"]);
  });
});

describe("runError and checkRunEvent", () => {
  it("names the library's error class so the receiver can raise it again, and any other error as Error", () => {
    expect(runError(1, new ArgumentError("bad rate"))).toEqual({
      type: "run-error",
      index: 1,
      name: "ArgumentError",
      dyingRelu: true,
      message: "bad rate",
    });
    expect(runError(0, new RangeError("oops"))).toMatchObject({ name: "Error", dyingRelu: false, message: "oops" });
  });

  it.each([
    ["no index", { type: "epoch-begin", epoch: 0 }],
    ["an unknown type", { type: "epoch", index: 0 }],
    [
      "logs that are not numbers",
      { type: "batch", index: 0, epoch: 0, step: 0, steps: 1, logs: { loss: "1" }, elapsedMs: 1 },
    ],
    ["a run-end without a run", { type: "run-end", index: 0 }],
    [
      "a cell of an unknown initialiser",
      {
        type: "run-start",
        index: 0,
        steps: 1,
        cell: { learningRate: 0.1, activation: "relu", kernelInitializer: "ones", seed: 0 },
      },
    ],
    ["a run-error without its class flag", { type: "run-error", index: 0, name: "Error", message: "x" }],
  ])("refuses %s", (_, msg) => {
    expect(checkRunEvent(msg)).toBeNull();
  });
});
