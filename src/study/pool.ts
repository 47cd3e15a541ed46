// Jobs dealt out to worker threads (Node): every worker starts with the same workerData and is
// sent one job at a time, the next when it posts the end of the last. A job's messages are its
// events until its end or its error. One failure ends the pool: every worker is terminated, and
// the promise rejects — once all have exited — with one line naming the job (a DyingReluError
// stays one). The sweep's runs and the continual study's both go through here.
import { Worker } from "node:worker_threads";
import { ArgumentError, DataError, DyingReluError } from "../errors.js";
import { integerAtLeast } from "../validate.js";

/** What a worker's message is to the pool. */
export type PoolReply<R> =
  | { kind: "event" }
  | { kind: "end"; result: R }
  | { kind: "error"; name: string; dyingRelu: boolean; message: string };

export interface PoolOptions<R> {
  workerUrl: URL;
  workerData: unknown;
  /** How many jobs; job i's message is request(i). */
  jobs: number;
  /** Workers to start, never more than there are jobs. */
  workers: number;
  request(index: number): unknown;
  /** What a failure calls job i: "learning rate 0.1", "cbp seed 43". */
  name(index: number): string;
  /**
   * A worker's message read: the job it is about and what it is, or null when it is not one (the
   * pool then fails). Events are the caller's to handle here; a throw fails the pool.
   */
  read(message: unknown): { index: number; reply: PoolReply<R> } | null;
  onStart?(index: number): void;
  onEnd?(index: number, result: R): void;
}

const ERRORS: Record<string, new (message: string) => DyingReluError> = { ArgumentError, DataError, DyingReluError };
const firstLine = (e: unknown) => String((e as Error)?.message ?? e).split("\n")[0];

/** Runs every job in the pool; the results in job order. */
export function runPool<R>(o: PoolOptions<R>): Promise<R[]> {
  integerAtLeast("workers", o.workers, 1);
  const results: R[] = new Array(o.jobs);
  const workers: Worker[] = [];
  const exited: Promise<void>[] = [];
  const running = new Map<Worker, number>(); // worker → the job it has
  let next = 0;
  let finished = 0;
  let settled = false;

  return new Promise<R[]>((resolve, reject) => {
    const settle = (error?: unknown) => {
      if (settled) return;
      settled = true;
      for (const w of workers) void w.terminate();
      void Promise.all(exited).then(() => (error === undefined ? resolve(results) : reject(error)));
    };
    const fail = (w: Worker, what: string) => {
      const index = running.get(w);
      settle(new Error(`${index === undefined ? "a worker thread" : o.name(index)}: ${what}`));
    };
    const dispatch = (w: Worker) => {
      if (next === o.jobs) {
        running.delete(w);
        if (finished === o.jobs) settle();
        return;
      }
      const index = next++;
      running.set(w, index);
      o.onStart?.(index);
      w.postMessage(o.request(index));
    };
    const handle = (w: Worker, message: unknown) => {
      const read = o.read(message);
      if (read === null) return fail(w, "a message from its worker thread that it does not understand");
      const { index, reply } = read;
      // A worker speaks only of the job it holds.
      if (index !== running.get(w))
        return fail(w, `a message about job ${index}, which its worker thread does not hold`);
      if (reply.kind === "end") {
        results[index] = reply.result;
        finished++;
        o.onEnd?.(index, reply.result);
        dispatch(w);
      } else if (reply.kind === "error") {
        const text = `${o.name(index)}: ${firstLine(reply.message)}`;
        settle(reply.dyingRelu ? new (ERRORS[reply.name] ?? DyingReluError)(text) : new Error(text));
      }
    };
    try {
      for (let k = 0; k < Math.min(o.workers, o.jobs); k++) {
        const w = new Worker(o.workerUrl, { workerData: o.workerData });
        workers.push(w);
        exited.push(new Promise((done) => w.once("exit", () => done())));
        w.on("message", (m: unknown) => {
          if (settled) return;
          try {
            handle(w, m);
          } catch (error) {
            settle(error); // a caller's hook threw, e.g. stdout closed
          }
        });
        w.on("error", (error) => fail(w, `worker thread crashed: ${firstLine(error)}`));
        w.on("messageerror", (error) => fail(w, `bad message from its worker thread: ${firstLine(error)}`));
        w.on("exit", (code) => fail(w, `worker thread exited with code ${code}`));
        dispatch(w);
      }
      if (o.jobs === 0) settle();
    } catch (error) {
      settle(error);
    }
  });
}
