// Writes each command's --help (from the built CLI, and so from its flag registry) into
// docs/cli.md, between the page's `<!-- dying-relu … --help -->` and `<!-- end -->` lines;
// `--check` changes nothing and fails if the page is stale (test/docs.test.ts runs it).
// Run by `npm run docs`.
import { execFileSync } from "node:child_process";
import { readFileSync, renameSync, writeFileSync } from "node:fs";

const root = new URL("..", import.meta.url).pathname;
const page = `${root}docs/cli.md`;
const cli = `${root}dist/cli/main.js`;

/** The page with every help block filled in from the CLI. */
function withHelp(text) {
  return text.replace(/(<!-- dying-relu ((?:\w+ )?)--help -->\n)[\s\S]*?(<!-- end -->)/g, (_, open, command, close) => {
    const args = [...command.trim().split(" ").filter(Boolean), "--help"];
    const help = execFileSync(process.execPath, [cli, ...args], { encoding: "utf8" }).trimEnd();
    return `${open}\n\`\`\`\n${help}\n\`\`\`\n\n${close}`;
  });
}

const text = readFileSync(page, "utf8");
const fresh = withHelp(text);
if (process.argv.includes("--check")) {
  if (fresh !== text) {
    process.stderr.write("docs/cli.md's help blocks differ from the CLI's --help: run npm run docs\n");
    process.exit(1);
  }
} else {
  const tmp = `${page}.${process.pid}.tmp`;
  writeFileSync(tmp, fresh);
  renameSync(tmp, page);
}
