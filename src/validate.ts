// Argument checks shared by the library API and the CLI; each throws an ArgumentError that names
// the argument, the value received and what was expected.
import { ArgumentError, show } from "./errors.js";

export function integerAtLeast(name: string, value: unknown, min: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    throw new ArgumentError(`${name} must be an integer ≥ ${min}, got ${show(value)}`);
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
