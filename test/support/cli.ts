// Runs the built CLI (dist/cli/main.js) as a user would and collects its exit code and output.
import { execFile } from "node:child_process";
import { promisify } from "node:util";

export const BIN = new URL("../../dist/cli/main.js", import.meta.url).pathname;

export async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], { maxBuffer: 1 << 24 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}
