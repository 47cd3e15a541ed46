// The files the CLI reads: each one's size checked before it is read, so that a stranger's file
// cannot make the CLI take gigabytes of memory (or hit Node's 2 GiB read limit) to find out that
// it is not what it claims to be.
import { readFile, stat } from "node:fs/promises";
import { ArgumentError, DataError, printable } from "../errors.js";

const MiB = 2 ** 20;

/** The text of `file`, refused (one line) when it cannot be read or holds more than `maxBytes`. */
export async function readBoundedText(file: string, maxBytes: number, what: string): Promise<string> {
  const cannot = (e: NodeJS.ErrnoException): never => {
    throw new ArgumentError(`${printable(file)}: cannot be read (${e.code ?? e.message})`);
  };
  const info = await stat(file).catch(cannot);
  if (!info.isFile()) throw new ArgumentError(`${printable(file)}: not a file`);
  if (info.size > maxBytes) {
    throw new DataError(`${printable(file)}: ${info.size} bytes, more than ${what} may hold (${maxBytes / MiB} MiB)`);
  }
  return readFile(file, "utf8").catch(cannot);
}
