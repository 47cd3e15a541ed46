// A worker thread of a threaded engine (pool.ts): instantiates the module over the shared
// memory, says it is ready, then loops: wait for GO, run its part of the command (work.ts),
// meet the others at the barrier, run phase 2, bump DONE. The two entry files (entry*.ts)
// only wire this to Node's or the browser's messaging.
import { instantiate } from "@assemblyscript/loader";
import {
  BARRIER,
  Control,
  DONE,
  FAILED,
  GO,
  SPINS,
  STOP,
  arrive,
  work,
  type ThreadInit,
  type ThreadReply,
} from "./work.js";
import type { ThreadKernels } from "../abi.js";

export async function serve(init: ThreadInit, reply: (r: ThreadReply) => void): Promise<void> {
  let k: ThreadKernels;
  try {
    k = (await instantiate<ThreadKernels>(init.module, { env: { memory: init.memory } }))
      .exports as unknown as ThreadKernels;
  } catch (e) {
    reply({ ready: false, error: String((e as Error)?.message ?? e) });
    return;
  }
  reply({ ready: true });
  loop(k, new Control(init.control), init.index, init.threads);
}

/** Blocks until slot `at` differs from `value`. */
function waitPast(i: Int32Array, at: number, value: number): void {
  for (let s = 0; s < SPINS; s++) if (Atomics.load(i, at) !== value) return;
  while (Atomics.load(i, at) === value) Atomics.wait(i, at, value);
}

function loop(k: ThreadKernels, c: Control, t: number, n: number): void {
  const i = c.i32;
  let go = 0; // the pool bumps GO only after every worker said it is ready
  for (;;) {
    waitPast(i, GO, go);
    go = Atomics.load(i, GO);
    if (Atomics.load(i, STOP)) return;
    try {
      work(k, c, t, n, 1);
      const gen = arrive(c, n, t);
      if (gen >= 0) waitPast(i, BARRIER, gen);
      if (Atomics.load(i, STOP)) return;
      work(k, c, t, n, 2);
    } catch (e) {
      c.setError(String((e as Error)?.message ?? e).split("\n")[0]);
      Atomics.store(i, FAILED, t);
      Atomics.notify(i, BARRIER);
      Atomics.notify(i, DONE);
      return;
    }
    Atomics.add(i, DONE, 1);
    Atomics.notify(i, DONE);
  }
}
