// Argument checks shared by the library API and the CLI; each throws an ArgumentError that names
// the argument, the value received and what was expected.
import { ArgumentError, show } from "./errors.js";

export function integerAtLeast(name: string, value: unknown, min: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    throw new ArgumentError(`${name} must be an integer ≥ ${min}, got ${show(value)}`);
  }
  return value;
}

export function integerIn(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new ArgumentError(`${name} must be an integer in [${min}, ${max}], got ${show(value)}`);
  }
  return value;
}

export function positiveFinite(name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new ArgumentError(`${name} must be a positive finite number, got ${show(value)}`);
  }
  return value;
}

export function nonNegative(name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new ArgumentError(`${name} must be a finite number ≥ 0, got ${show(value)}`);
  }
  return value;
}

/** A number in [0, 1). */
export function fraction(name: string, value: unknown): number {
  if (typeof value !== "number" || !(value >= 0 && value < 1)) {
    throw new ArgumentError(`${name} must be a number in [0, 1), got ${show(value)}`);
  }
  return value;
}

/** A number in (0, 1), as Adam's betas must be. */
export function openUnit(name: string, value: unknown): number {
  if (typeof value !== "number" || !(value > 0 && value < 1)) {
    throw new ArgumentError(`${name} must be a number in (0, 1), got ${show(value)}`);
  }
  return value;
}

export function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) {
    throw new ArgumentError(`${name} must be one of ${allowed.map((a) => `"${a}"`).join(", ")}, got ${show(value)}`);
  }
  return value as T;
}

/** The allowed key nearest to `key` (ignoring case and underscores, within a third of its length), or null. */
function nearest(key: string, allowed: readonly string[]): string | null {
  const plain = (s: string) => s.toLowerCase().replace(/_/g, "");
  const distance = (a: string, b: string) => {
    let row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      const next = [i];
      for (let j = 1; j <= b.length; j++) {
        next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      }
      row = next;
    }
    return row[b.length];
  };
  let best: string | null = null;
  let bestDistance = Math.max(1, Math.floor(key.length / 3)) + 1;
  for (const candidate of allowed) {
    const d = distance(plain(key), plain(candidate));
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

/**
 * Refuses an options object with a key outside `allowed`, naming the key and the nearest valid
 * one, as compile() does: a misspelt option would otherwise be ignored without a word.
 */
export function knownKeys(what: string, options: unknown, allowed: readonly string[]): void {
  if (options === undefined) return;
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new ArgumentError(`${what} must be an options object, got ${show(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (allowed.includes(key)) continue;
    const near = nearest(key, allowed);
    throw new ArgumentError(
      `${what} has no option ${show(key)}${near ? `; did you mean "${near}"?` : ""} (it takes ${allowed.join(", ")})`,
    );
  }
}
