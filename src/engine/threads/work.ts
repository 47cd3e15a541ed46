// What each thread of a data-parallel engine does, and the shared control block it reads its
// orders from. The main thread (thread 0) and every worker (threads 1…n−1) run the same code on
// their own instance of the module over one shared memory; pool.ts does the
// synchronisation around it. A command runs in two phases separated by a barrier that every
// thread reaches:
//
//   step, gradients  phase 1: thread t's contiguous slice of the batch → its model's gradients
//                    phase 2: thread t adds all gradients (fixed order) on its parameter range
//                             and, for a step, updates that range
//   evaluate, predict, probe: phase 1 on the slice; phase 2 merges on thread 0 (probe only).
import type { ThreadKernels } from "../abi.js";
import { OPT_FIELDS, OPTF_CLIPNORM, OPTF_GLOBAL_CLIPNORM } from "../codes.js";

export enum Cmd {
  Step = 1,
  Gradients = 2,
  Evaluate = 3,
  Predict = 4,
  Probe = 5,
}

// Int32 slots of the control block.
export const GO = 0; // bumped by thread 0 to start a command
export const ARRIVED = 1; // threads at the barrier so far
export const BARRIER = 2; // bumped when the last thread reaches the barrier
export const DONE = 3; // bumped by each worker when it has finished a command
export const STOP = 4; // nonzero: workers leave their loop
export const FAILED = 5; // index of the worker that failed, once one has
export const CMD = 6;
export const SEEN = 16; // + t: the barrier generation thread t last reached (names a late worker)

// Float64 views: the command's arguments, then per thread [loss, hits], then the model each
// thread works on (thread 0: the model, t > 0: its replica).
const ARGS_AT = 512;
const RESULTS_AT = 1024;
const MODELS_AT = 2048;
const ERROR_AT = 4096; // a failed worker's message, UTF-16
const ERROR_CHARS = 512;
export const CONTROL_BYTES = ERROR_AT + 2 * ERROR_CHARS;
export const MAX_THREADS = 64;

/** What an engine thread's worker needs to join: the module, the shared memory, the control block, its index. */
export interface ThreadInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  index: number;
  threads: number;
}

export type ThreadReply = { ready: true } | { ready: false; error: string };

/** A spawned worker as the pool sees it (spawn.ts makes one for Node, one for pages). */
export interface ThreadWorker {
  /** Hands the worker its init; resolves with its first reply, or a failure after timeoutMs. */
  start(init: ThreadInit, timeoutMs: number): Promise<ThreadReply>;
  terminate(): void;
}

/**
 * The start handshake both spawners share: `start` posts the init and resolves with the first
 * reply that `answer` receives (a message, or a failure the spawner reports), or a timeout.
 */
export function handshake(post: (init: ThreadInit) => void): {
  answer(r: ThreadReply): void;
  start: ThreadWorker["start"];
} {
  let pending: ((r: ThreadReply) => void) | null = null;
  return {
    answer: (r) => pending?.(r),
    start: (init, timeoutMs) =>
      new Promise((resolve) => {
        const timer = setTimeout(
          () => pending?.({ ready: false, error: `no answer within ${timeoutMs} ms` }),
          timeoutMs,
        );
        pending = (r) => {
          clearTimeout(timer);
          pending = null;
          resolve(r);
        };
        post(init);
      }),
  };
}

// Polls before sleeping in Atomics.wait: the other threads usually arrive within microseconds,
// and waking from a wait costs tens of them.
export const SPINS = 20_000;

// Argument slots.
export const A = {
  data: 0,
  isU8: 1,
  labels: 2,
  idx: 3,
  start: 4,
  rows: 5,
  table: 6,
  out: 7,
  outUnits: 8,
  t: 9,
  nParams: 10,
} as const;

export class Control {
  readonly i32: Int32Array;
  readonly args: Float64Array;
  readonly results: Float64Array;
  readonly models: Float64Array;
  private readonly message: Uint16Array;

  constructor(readonly buffer: SharedArrayBuffer) {
    this.i32 = new Int32Array(buffer, 0, ARGS_AT / 4);
    this.args = new Float64Array(buffer, ARGS_AT, (RESULTS_AT - ARGS_AT) / 8);
    this.results = new Float64Array(buffer, RESULTS_AT, (MODELS_AT - RESULTS_AT) / 8);
    this.models = new Float64Array(buffer, MODELS_AT, MAX_THREADS);
    this.message = new Uint16Array(buffer, ERROR_AT, ERROR_CHARS);
  }

  static create(): Control {
    return new Control(new SharedArrayBuffer(CONTROL_BYTES));
  }

  setError(text: string): void {
    const s = text.slice(0, ERROR_CHARS - 1);
    for (let i = 0; i < s.length; i++) this.message[i] = s.charCodeAt(i);
    this.message[s.length] = 0;
  }

  error(): string {
    let s = "";
    for (let i = 0; i < ERROR_CHARS && this.message[i] !== 0; i++) s += String.fromCharCode(this.message[i]);
    return s;
  }
}

/** Thread t's contiguous share [start, start + rows) of `total` rows split n ways. */
export function slice(total: number, t: number, n: number): { start: number; rows: number } {
  const base = Math.floor(total / n);
  const extra = total % n;
  return { start: t * base + Math.min(t, extra), rows: base + (t < extra ? 1 : 0) };
}

/** Thread t's parameter range, in whole 8-float blocks (the arena is padded to them). */
export function paramRange(nParams: number, t: number, n: number): { from: number; to: number } {
  const blocks = nParams / 8;
  const s = slice(blocks, t, n);
  return { from: s.start * 8, to: (s.start + s.rows) * 8 };
}

/**
 * Thread t reaches the barrier between the phases. Returns −1 if it was the last (and released
 * the others), else the barrier generation to wait past.
 */
export function arrive(c: Control, n: number, t: number): number {
  const i = c.i32;
  const gen = Atomics.load(i, BARRIER);
  Atomics.store(i, SEEN + t, gen + 1);
  if (Atomics.add(i, ARRIVED, 1) === n - 1) {
    Atomics.store(i, ARRIVED, 0);
    Atomics.add(i, BARRIER, 1);
    Atomics.notify(i, BARRIER);
    return -1;
  }
  return gen;
}

/** Runs thread t's part of the current command's phase (1 or 2). */
export function work(k: ThreadKernels, c: Control, t: number, n: number, phase: 1 | 2): void {
  const a = c.args;
  const cmd = c.i32[CMD] as Cmd;
  const model = c.models[t];
  if (phase === 1) {
    const s = slice(a[A.rows], t, n);
    const start = a[A.start] + s.start;
    // Every case copes with a thread whose slice is empty (a batch smaller than the thread count).
    switch (cmd) {
      case Cmd.Step:
      case Cmd.Gradients:
        c.results[2 * t] = k.modelGradientsPart(
          model,
          a[A.data],
          a[A.isU8],
          a[A.labels],
          a[A.idx],
          start,
          s.rows,
          a[A.rows],
        );
        c.results[2 * t + 1] = k.modelCorrect(model);
        break;
      case Cmd.Evaluate:
        c.results[2 * t] = k.modelEvaluate(model, a[A.data], a[A.isU8], a[A.labels], a[A.idx], start, s.rows);
        c.results[2 * t + 1] = k.modelCorrect(model);
        break;
      case Cmd.Predict:
        k.modelPredict(model, a[A.data], a[A.isU8], a[A.idx], start, s.rows, a[A.out] + s.start * a[A.outUnits] * 4);
        break;
      case Cmd.Probe:
        k.deadReset(model);
        k.deadAccumulate(model, a[A.data], a[A.isU8], a[A.idx], start, s.rows);
        break;
      default:
        throw new Error(`unknown command ${cmd}`);
    }
    return;
  }
  const primary = c.models[0];
  if (cmd === Cmd.Probe) {
    if (t === 0) for (let r = 1; r < n; r++) k.deadMerge(primary, c.models[r]);
    return;
  }
  if (cmd !== Cmd.Step && cmd !== Cmd.Gradients) return;
  if (cmd === Cmd.Step) {
    let loss = 0;
    for (let r = 0; r < n; r++) loss += c.results[2 * r];
    if (!Number.isFinite(loss)) return; // diverged: no update, as single-threaded
    const d = new Float64Array(k.memory.buffer, k.modelOptimizer(primary), OPT_FIELDS);
    if (d[OPTF_CLIPNORM] > 0 || d[OPTF_GLOBAL_CLIPNORM] > 0) {
      // Clipping by norm needs every variable's (or all) whole gradients: thread 0 updates alone.
      if (t === 0) {
        k.modelReduce(primary, a[A.table], n - 1, 0, a[A.nParams]);
        k.modelUpdate(primary);
      }
      return;
    }
  }
  const { from, to } = paramRange(a[A.nParams], t, n);
  k.modelReduce(primary, a[A.table], n - 1, from, to);
  if (cmd === Cmd.Step) {
    k.modelUpdateRange(primary, a[A.t], from, to);
    if (t === 0) k.modelSetStep(primary, a[A.t]);
  }
}
