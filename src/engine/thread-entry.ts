// Node's entry for a thread worker (worker_threads); thread-entry.browser.ts is the page's.
import { parentPort } from "node:worker_threads";
import { serve } from "./thread-worker.js";
import type { ThreadInit } from "./thread-work.js";

parentPort!.once("message", (init: ThreadInit) => void serve(init, (r) => parentPort!.postMessage(r)));
