// Typed errors. Every message is one line that names what was wrong, the value received and what
// was expected, so the CLI can print it as it is and exit 2.

export class DyingReluError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** An argument (API option or CLI flag) outside its domain. */
export class ArgumentError extends DyingReluError {}

/** A data file or buffer that is not what it claims to be (IDX format, counts, truncation). */
export class DataError extends DyingReluError {}

/** Shows a received value compactly inside an error message. */
export function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${(value as unknown as { length: number }).length})`;
  if (Array.isArray(value)) return `[${value.map(show).join(", ")}]`;
  return String(value);
}
