// Tracks every worker_threads Worker a test file starts, and whether it has exited. Use it as
//   vi.mock("node:worker_threads", async (original) => (await import("./support/workers.js")).trackWorkers(original));
// and read `spawned` (this module's one array) in the tests.
export const spawned: { exited: boolean }[] = [];

export async function trackWorkers(importOriginal: () => Promise<unknown>): Promise<unknown> {
  const actual = (await importOriginal()) as typeof import("node:worker_threads");
  class TrackedWorker extends actual.Worker {
    constructor(...args: ConstructorParameters<typeof actual.Worker>) {
      super(...args);
      const entry = { exited: false };
      spawned.push(entry);
      this.once("exit", () => void (entry.exited = true));
    }
  }
  return { ...actual, Worker: TrackedWorker };
}
