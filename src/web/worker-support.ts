// What both lab workers (the sweep's and the Continual mode's) do alike: start the engine or say
// in one line why it cannot, and turn a failure into the page's error message.
import { createEngine, relaxedSimdSupported, type BackendChoice, type Engine } from "../index.js";
import { engineErrorMessage, type ErrorStage } from "./protocol.js";
import { simdSupported } from "./support.js";

export interface WorkerError {
  type: "error";
  stage: ErrorStage;
  message: string;
}

/** The error message for a failure at `stage`. */
export function workerError(stage: ErrorStage, e: unknown): WorkerError {
  return { type: "error", stage, message: e instanceof Error ? e.message : String(e) };
}

/** A run's failure: bad settings (the study's ArgumentError) or the training itself. */
export const runFailure = (e: unknown): WorkerError =>
  workerError(e instanceof Error && e.name === "ArgumentError" ? "config" : "training", e);

/** The page's message refused by the worker's check. */
export const notUnderstood = (data: unknown): WorkerError =>
  workerError("config", `the worker got a message it does not understand: ${JSON.stringify(data)?.slice(0, 200)}`);

/**
 * The engine the page chose ("js" is handed through as is: createEngine rejects a backend this
 * build does not have), or the error that says why this browser cannot run it.
 */
export async function startEngine(choice: string, threads?: number): Promise<Engine | WorkerError> {
  try {
    return await createEngine({ backend: choice as BackendChoice, ...(threads && { threads }) });
  } catch (e) {
    const message = engineErrorMessage(choice, e, { plain: simdSupported(), relaxed: relaxedSimdSupported() });
    return { type: "error", stage: "engine", message };
  }
}
