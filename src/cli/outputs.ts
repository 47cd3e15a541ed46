// The files the CLI writes: every output path checked before any work starts (distinct, not an
// input, writable, not there unless --force), and each written atomically, so that a failed or
// interrupted write leaves the old file (or none) and never a cut-off one.
import { randomBytes } from "node:crypto";
import { linkSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { access, constants, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { ArgumentError, SystemError, printable } from "../errors.js";

export interface OutputFile {
  /** The flag that names it, e.g. "json"; shown as --json. */
  flag: string;
  file: string;
}

/** Fails before any training if FILE cannot be written, or exists and --force was not given. */
async function checkOne({ flag, file }: OutputFile, force: boolean): Promise<void> {
  const path = resolve(file);
  const name = printable(file);
  const existing = await stat(path).catch(() => null);
  if (existing?.isDirectory()) throw new ArgumentError(`--${flag} ${name} is a directory`);
  if (existing && !force) throw new ArgumentError(`--${flag} ${name} already exists; pass --force to overwrite it`);
  await access(dirname(path), constants.W_OK).catch(() => {
    throw new ArgumentError(
      `--${flag} ${name} cannot be written: ${printable(dirname(path))} is missing or not writable`,
    );
  });
}

/**
 * Checks every output before any work: each writable and new (or --force), no two the same file
 * and none of them one of `inputs` (which --force does not allow either: it would be read and
 * overwritten by one command).
 */
export async function checkOutputs(outputs: OutputFile[], force: boolean, inputs: string[] = []): Promise<void> {
  const seen = new Map<string, string>();
  for (const input of inputs) seen.set(resolve(input), "an input file");
  for (const o of outputs) {
    const path = resolve(o.file);
    const other = seen.get(path);
    if (other !== undefined) {
      throw new ArgumentError(`--${o.flag} ${printable(o.file)} is also ${other}; give each output a file of its own`);
    }
    seen.set(path, `--${o.flag}`);
  }
  for (const o of outputs) await checkOne(o, force);
}

/**
 * Writes `text` to `file` through a temporary file beside it, renamed into place (or linked, which
 * refuses an existing file, without `force`), so that readers see the old file or the new one.
 * Synchronous, so that it can run from a run's end hook and finish before the process may exit.
 */
export function writeAtomic(file: string, text: string, force: boolean): void {
  const path = resolve(file);
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    writeFileSync(temp, text, { flag: "wx" });
    if (force) {
      renameSync(temp, path);
    } else {
      linkSync(temp, path);
      unlinkSync(temp);
    }
  } catch (e) {
    try {
      unlinkSync(temp);
    } catch {
      // never created, or already renamed
    }
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EEXIST")
      throw new ArgumentError(`${printable(file)} appeared while it was being written; pass --force to overwrite it`);
    throw new SystemError(
      `${printable(file)} could not be written (${code ?? (e as Error).message}); nothing there was changed`,
    );
  }
}
