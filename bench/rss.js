// Runs the CLI in this process and reports its peak resident set (all threads) on exit.
process.on("exit", () => process.stdout.write(`maxRSS ${process.resourceUsage().maxRSS}\n`));
await import("../dist/cli/main.js");
