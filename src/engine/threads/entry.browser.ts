// The browser's entry for a thread worker (a module Worker); entry.ts is Node's.
import { serve } from "./worker.js";
import type { ThreadInit } from "./work.js";

const scope = globalThis as unknown as {
  onmessage: ((e: MessageEvent<ThreadInit>) => void) | null;
  postMessage(m: unknown): void;
};
scope.onmessage = (e) => {
  scope.onmessage = null;
  void serve(e.data, (r) => scope.postMessage(r));
};
