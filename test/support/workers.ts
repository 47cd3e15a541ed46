// Tracks every worker_threads Worker a test file starts, and whether it has exited. Use it as
//   vi.mock("node:worker_threads", async (original) => (await import("./support/workers.js")).trackWorkers(original));
// and read `spawned` (this module's one array) in the tests.
export const spawned: { exited: boolean; exit: Promise<void> }[] = [];

/**
 * Each worker's `exited` flag once every one has exited (termination is asynchronous). No deadline
 * of its own: a worker that never exits fails the test at vitest's timeout.
 */
export async function exitedAll(workers: typeof spawned): Promise<boolean[]> {
  await Promise.all(workers.map((w) => w.exit));
  return workers.map((w) => w.exited);
}

export async function trackWorkers(importOriginal: () => Promise<unknown>): Promise<unknown> {
  const actual = (await importOriginal()) as typeof import("node:worker_threads");
  class TrackedWorker extends actual.Worker {
    constructor(...args: ConstructorParameters<typeof actual.Worker>) {
      super(...args);
      const entry = { exited: false, exit: Promise.resolve() };
      entry.exit = new Promise<void>((resolve) =>
        this.once("exit", () => {
          entry.exited = true;
          resolve();
        }),
      );
      spawned.push(entry);
    }
  }
  return { ...actual, Worker: TrackedWorker };
}
