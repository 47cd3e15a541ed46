// The one settings parser that the CLI's flags and the lab's URL parameters share: the same text
// gives the same value, or the same refusal under each front end's name for the setting.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { STUDY_SETTINGS, parseSetting, type Setting, type SettingKey } from "../src/study/settings.js";
import { parseSweepArgs } from "../src/cli/sweep.js";
import { parseParam, type Param } from "../src/web/settings.js";

const KEYS = Object.keys(STUDY_SETTINGS) as SettingKey[];
const text = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.double().map(String),
  fc.nat().map(String),
  fc.array(fc.nat({ max: 300 }).map(String), { maxLength: 4 }).map((a) => a.join(",")),
  fc.constantFrom("relu,elu", "adam", "he_normal", "0.5,0.01", "-1", "1e999", " 7 "),
);
const outcome = (f: () => unknown): { value?: unknown; error?: string } => {
  try {
    return { value: f() };
  } catch (e) {
    return { error: (e as Error).message };
  }
};

describe("study settings", () => {
  it("parse the same under any name, and refuse with the same words", () => {
    fc.assert(
      fc.property(fc.constantFrom(...KEYS), text, (key, t) => {
        const { flag, label, list }: Setting = STUDY_SETTINGS[key];
        const cli = outcome(() => parseSetting(key, t, `--${flag}`));
        const lab = outcome(() => parseSetting(key, t, label));
        expect(cli.value).toEqual(lab.value);
        expect(cli.error?.replace(`--${flag}`, "NAME")).toEqual(
          lab.error?.replace(label, "NAME").replace(list?.item ?? label, "NAME"),
        );
      }),
      { numRuns: 3000 },
    );
  });

  it("the sweep's flag and the lab's parameter read a setting alike (within the lab's limits)", () => {
    const cases: [SettingKey, string, keyof ReturnType<typeof parseSweepArgs>["config"] | "axes"][] = [
      ["learningRates", "0.5,0.01", "learningRates"],
      ["epochs", "7", "epochs"],
      ["batchSize", "64", "batchSize"],
      ["layers", "16,8", "layers"],
      ["probe", "300", "probe"],
      ["seed", "4294967295", "seed"],
      ["alpha", "0.2", "alpha"],
      ["warmupSteps", "50", "warmupSteps"],
    ];
    for (const [key, value, field] of cases) {
      const { flag, param } = STUDY_SETTINGS[key];
      const extra = key === "alpha" ? ["--activation", "elu"] : [];
      const fromCli = (parseSweepArgs([`--${flag}=${value}`, ...extra]).config as unknown as Record<string, unknown>)[
        field
      ];
      expect(fromCli, key).toEqual(parseParam(param as Param, value));
    }
  });

  it("refuses what the study cannot run, with one line naming the setting", () => {
    expect(() => parseSetting("layers", "128,,32", "--layers")).toThrow(/^--layers must be a whole number, got ""$/);
    expect(() => parseSetting("activations", "relu,relu", "act")).toThrow(/^act: "relu" is given twice$/);
    expect(() => parseSetting("activations", "relu,elu,gelu,leaky_relu,relu", "x")).toThrow(
      /^x: at most 4 values, got 5$/,
    );
    expect(() => parseSetting("seed", "4294967296", "--seed")).toThrow(
      /^--seed must be between 0 and 4294967295, got 4294967296$/,
    );
    expect(() => parseSetting("epochs", "500", "epochs", { max: 100 })).toThrow(
      /^epochs must be between 1 and 100, got 500$/,
    );
  });
});
