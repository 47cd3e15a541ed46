// Tests that need a tool or a build output: where it is missing, a local run skips them with a
// warning, but a run with CI set fails, since .ci/run installs and builds everything.
import { it } from "vitest";

/** Whether `what` is here; if not, warns (locally) or registers a failing test (under CI). */
export function needs(what: string, present: boolean, howToGetIt: string): boolean {
  if (present) return true;
  const why = `${what} is missing: ${howToGetIt}`;
  if (process.env.CI) {
    it(`has ${what} (CI installs every tool)`, () => {
      throw new Error(why);
    });
  } else {
    console.warn(`skipped: ${why}`);
  }
  return false;
}
