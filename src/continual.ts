// dying-relu/continual: the continual-learning study (Online Permuted MNIST), apart from the main
// entry so that the browser bundle of the sweep does not carry it (nor ml-matrix, which the ranks use).
export { runContinual, runContinualOne, continualJobs, taskSeeds } from "./study/continual.js";
export type { ContinualHooks, ContinualJob, ContinualRun, TaskRecord } from "./study/continual.js";
export { CONTINUAL, METHODS, METHOD_SPECS, checkContinual } from "./study/continual-config.js";
export type { ContinualConfig, Method } from "./study/continual-config.js";
export { OnlineLearner, type OnlineOptions, type TaskProbe } from "./engine/online.js";
export { approximateRank, effectiveRank, singularValuesFromGram } from "./study/ranks.js";
