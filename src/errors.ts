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

/**
 * The system refused what the input asked for (a full disk, a file size limit): a real fault,
 * exit code 1, but one line that says so rather than an internal error.
 */
export class SystemError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SystemError";
  }
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
const SHOWN_CHARS = 60;
const SHOWN_ITEMS = 5;

/**
 * Shows a received value compactly inside an error message: one line of bounded length, whatever
 * the value (a long or deeply nested value is cut, control characters are escaped), since values
 * come from strangers' files and end up on a terminal.
 */
export function show(value: unknown, depth = 0): string {
  if (typeof value === "string") return printable(JSON.stringify(value.slice(0, SHOWN_CHARS + 1)), SHOWN_CHARS + 2);
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${(value as unknown as { length: number }).length})`;
  if (Array.isArray(value)) {
    if (depth > 0) return `[… ${value.length} items]`;
    const items = value.slice(0, SHOWN_ITEMS).map((v) => show(v, depth + 1));
    return `[${items.join(", ")}${value.length > SHOWN_ITEMS ? `, … ${value.length} items` : ""}]`;
  }
  if (typeof value === "object" && value !== null) return "an object";
  return printable(String(value), SHOWN_CHARS);
}

/** True when `text` holds a control character (a terminal escape, say). */
export const hasControl = (text: string): boolean => new RegExp(CONTROL.source).test(text);

/** `text` with control characters escaped (\u001b…) and cut to `max` characters. */
export function printable(text: string, max = 200): string {
  const escaped = text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  return escaped.length > max ? `${escaped.slice(0, max)}…` : escaped;
}
