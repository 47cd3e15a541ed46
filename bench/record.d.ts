// Types for record.js, which the bench test imports.
export declare const BENCH_RUNS: string;
export declare function recordRun(file: string, marker: string, heading: string, lines: string[]): void;
