// Starting a thread worker, and what this runtime offers for threads: the Node variant. Browser
// bundles get spawn.browser.ts instead, through the package.json "browser" map.
import { Worker } from "node:worker_threads";
import { availableParallelism } from "node:os";
import { handshake, type ThreadWorker, type ThreadReply } from "./work.js";

// Both src/engine/threads/ and dist/engine/threads/ sit three levels below the package root; the
// compiled entry serves both (the tests run the sources).
const ENTRY = new URL("../../../dist/engine/threads/entry.js", import.meta.url);

/** A thread worker; `_base`, where a page's thread script is, has no meaning in Node. */
export function spawnThreadWorker(_base?: string | URL): ThreadWorker {
  const w = new Worker(ENTRY);
  w.unref(); // an idle engine must not keep the process alive
  const { answer, start } = handshake((init) => w.postMessage(init));
  // Listening for "error" also keeps a failing worker from crashing the process.
  w.on("error", (e) => answer({ ready: false, error: e.message }));
  w.on("exit", (code) => answer({ ready: false, error: `it exited with code ${code}` }));
  w.once("message", (r: ThreadReply) => answer(r));
  return { start, terminate: () => void w.terminate() };
}

/** The default thread count: the cores this process may use. */
export function defaultThreads(): number {
  return availableParallelism();
}

/** Why this runtime cannot run an engine on several threads, or null when it can. */
export function threadsUnavailable(): string | null {
  return null;
}
