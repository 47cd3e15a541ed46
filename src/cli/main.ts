#!/usr/bin/env node
// The dying-relu command: argument errors and bad data become one line on stderr and exit code 2.
import { DyingReluError, SystemError, printable } from "../errors.js";
import { sweep } from "./sweep.js";
import { merge } from "./merge.js";
import { evaluate } from "./evaluate.js";
import { continual } from "./continual.js";
import { VERSION } from "../version.js";

const HELP = `Usage: dying-relu <command> [flags]

Commands:
  sweep     train one MLP per learning rate on MNIST and report dead ReLU units per layer
            (the seed notebook's study; run "dying-relu sweep --help" for its flags)
  merge     join the --json files of a sharded sweep (sweep --shard K/N) into one report
  evaluate  test accuracy and dead units per layer of a model saved with sweep --save
  continual loss of plasticity on Online Permuted MNIST: online accuracy, dead units and ranks
            task after task, backprop against its remedies (see "dying-relu continual --help")

Flags:
  -h, --help     show this help
  -V, --version  print the version

Example:
  dying-relu sweep --lr 0.5,0.01 --epochs 2
  dying-relu merge part1.json part2.json --json all.json
  dying-relu evaluate models/model-lr0.01-seed42.json
  dying-relu continual --tasks 10 --per-task 10000 --method bp,cbp
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "-h" || command === "--help" || command === "help") {
    (command === undefined ? process.stderr : process.stdout).write(HELP);
    return command === undefined ? 2 : 0;
  }
  if (command === "--version" || command === "-V" || command === "version") {
    process.stdout.write(`dying-relu ${VERSION}\n`);
    return 0;
  }
  if (command === "sweep") {
    await sweep(rest, process.stdout);
    return 0;
  }
  if (command === "merge") {
    await merge(rest, process.stdout);
    return 0;
  }
  if (command === "evaluate") {
    await evaluate(rest, process.stdout);
    return 0;
  }
  if (command === "continual") {
    await continual(rest, process.stdout);
    return 0;
  }
  throw new DyingReluError(
    `unknown command "${command}" (commands: sweep, merge, evaluate, continual; see dying-relu --help)`,
  );
}

const helpFor = (command: string | undefined) =>
  command === "merge" || command === "evaluate" || command === "continual" ? command : "sweep";

function describe(error: unknown): { message: string; code: number } {
  if (error instanceof DyingReluError) return { message: error.message, code: 2 };
  if (error instanceof SystemError) return { message: error.message, code: 1 };
  const code = (error as { code?: unknown })?.code;
  if (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS")) {
    // node:util parseArgs writes several sentences on several lines: keep the first, and its
    // hint for values that start with a dash ("To specify an option argument … use '--lr=-XYZ'").
    const lines = String((error as Error).message)
      .split("\n")
      .map((l) => l.trim().replace(/\.$/, ""));
    const hint = lines.find((l) => l.startsWith("To specify an option argument"));
    const first = lines[0].split(/\.\s/)[0];
    return {
      message: `${first}${hint ? `; ${hint[0].toLowerCase()}${hint.slice(1)}` : ""} (see dying-relu ${helpFor(process.argv[2])} --help)`,
      code: 2,
    };
  }
  return { message: `internal error: ${(error as Error)?.message ?? String(error)}`, code: 1 };
}

// A closed pipe (`dying-relu sweep | head`) ends the program quietly, as other CLIs do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(0);
    throw error;
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const { message, code } = describe(error);
    process.stderr.write(`dying-relu: ${printable(message, 1000)}\n`);
    process.exitCode = code;
  },
);
