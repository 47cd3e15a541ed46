// Threads of one engine: n − 1 workers, each with its own instance of the module over the
// engine's shared memory, driven from the calling thread (thread 0) through a control block.
// A command costs two synchronisation points: thread 0 bumps GO (workers wake and start), and
// all threads meet at one barrier between the command's two phases (work.ts). Workers
// report completion by bumping DONE, which thread 0 checks before it next touches the model.
// Every wait of thread 0 has a deadline that turns into an error naming the late worker; a
// worker that throws hands its message back through the control block.
import { DyingReluError } from "../../errors.js";
import {
  BARRIER,
  CMD,
  Control,
  DONE,
  FAILED,
  GO,
  SEEN,
  SPINS,
  STOP,
  arrive,
  work,
  type Cmd,
  type ThreadWorker,
  type ThreadInit,
  type ThreadReply,
} from "./work.js";
import type { ThreadKernels } from "../abi.js";
import { spawnThreadWorker } from "./spawn.js";

// Where Atomics.wait may not block (a page's main thread), waits spin instead.
const canBlock = (() => {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
})();

export class ThreadError extends DyingReluError {}

/** What a pool takes from its surroundings; tests pass their own to cause hangs and time-outs. */
export interface PoolHooks {
  /** Milliseconds on a monotonic clock, for the wait deadlines (default performance.now). */
  now?: () => number;
  /** Starts one worker thread (default: a worker of the engine's thread entry). */
  spawn?: () => ThreadWorker;
}

export class ThreadPool {
  private doneExpected = 0;
  private broken: string | null = null;

  private constructor(
    private readonly k: ThreadKernels,
    readonly control: Control,
    readonly threads: number,
    private readonly workers: ThreadWorker[],
    private readonly timeoutMs: number,
    private readonly now: () => number,
  ) {}

  /** Starts threads − 1 workers on `module` over k's shared memory; rejects if any fails to start. */
  static async start(
    k: ThreadKernels,
    module: WebAssembly.Module,
    threads: number,
    timeoutMs: number,
    hooks: PoolHooks = {},
  ): Promise<ThreadPool> {
    const spawn = hooks.spawn ?? spawnThreadWorker;
    const control = Control.create();
    const workers: ThreadWorker[] = [];
    const replies: Promise<ThreadReply>[] = [];
    for (let index = 1; index < threads; index++) {
      const w = spawn();
      workers.push(w);
      const init: ThreadInit = { module, memory: k.memory, control: control.buffer, index, threads };
      replies.push(w.start(init, timeoutMs));
    }
    const failed = (await Promise.all(replies)).flatMap((r, i) => (r.ready ? [] : [{ index: i + 1, error: r.error }]));
    if (failed.length) {
      for (const w of workers) w.terminate();
      const who =
        failed.length === 1
          ? `thread worker ${failed[0].index}`
          : `thread workers ${failed.map((f) => f.index).join(", ")}`;
      throw new ThreadError(`${who} failed to start: ${failed[0].error}`);
    }
    return new ThreadPool(k, control, threads, workers, timeoutMs, hooks.now ?? (() => performance.now()));
  }

  /**
   * Runs one command on every thread, this one doing thread 0's part. Thread 0's results are
   * in control.results when it returns; the workers may still be finishing phase 2, which
   * settle() waits for.
   */
  run(cmd: Cmd, models: number[], args: (c: Control) => void): void {
    this.settle();
    const c = this.control;
    try {
      c.i32[CMD] = cmd;
      for (let t = 0; t < this.threads; t++) c.models[t] = models[t];
      args(c);
      Atomics.add(c.i32, GO, 1);
      Atomics.notify(c.i32, GO);
      this.doneExpected += this.threads - 1;
      work(this.k, c, 0, this.threads, 1);
      this.barrier();
      work(this.k, c, 0, this.threads, 2);
    } catch (e) {
      throw this.fail(e instanceof ThreadError ? e.message : `thread 0 failed: ${(e as Error)?.message ?? e}`);
    }
  }

  /** Waits until every worker has finished the last command, so thread 0 may touch the model. */
  settle(): void {
    if (this.broken) throw new ThreadError(this.broken);
    const c = this.control.i32;
    if (Atomics.load(c, DONE) === this.doneExpected) return;
    try {
      this.waitFor(DONE, (done) => done === this.doneExpected, "finish its work");
    } catch (e) {
      throw this.fail((e as Error).message);
    }
  }

  /** Stops and terminates every worker. */
  terminate(): void {
    const c = this.control.i32;
    Atomics.store(c, STOP, 1);
    Atomics.add(c, GO, 1);
    Atomics.notify(c, GO);
    for (const w of this.workers) w.terminate();
    this.workers.length = 0;
    this.broken ??= "this engine was disposed";
  }

  get running(): number {
    return this.workers.length;
  }

  private barrier(): void {
    const gen = arrive(this.control, this.threads, 0);
    if (gen >= 0) this.waitFor(BARRIER, (g) => g !== gen, "reach the barrier", gen + 1);
  }

  /**
   * Waits until slot `at` holds a value that is `ready`: spins, then sleeps on the slot (only
   * while it still holds the value just seen, so no change is missed); throws when a worker
   * failed or the deadline passed.
   */
  private waitFor(at: number, ready: (value: number) => boolean, what: string, gen?: number): void {
    const c = this.control.i32;
    for (let i = 0; i < SPINS; i++) if (ready(Atomics.load(c, at))) return;
    const deadline = this.now() + this.timeoutMs;
    for (;;) {
      const failed = Atomics.load(c, FAILED);
      if (failed) throw new ThreadError(`thread worker ${failed} failed: ${this.control.error()}`);
      const value = Atomics.load(c, at);
      if (ready(value)) return;
      const left = deadline - this.now();
      if (left <= 0) {
        const late = [];
        for (let t = 1; t < this.threads; t++) if (gen === undefined || Atomics.load(c, SEEN + t) < gen) late.push(t);
        const who = late.length === 1 ? `thread worker ${late[0]}` : `thread workers ${late.join(", ")}`;
        throw new ThreadError(`${who} did not ${what} within ${this.timeoutMs} ms`);
      }
      if (canBlock) Atomics.wait(c, at, value, Math.min(left, 100));
    }
  }

  /** Marks the pool unusable, stops its workers and returns the error to throw. */
  private fail(message: string): ThreadError {
    this.terminate();
    this.broken = `the engine's threads stopped after an error (${message}); create a new engine`;
    return new ThreadError(message);
  }
}
