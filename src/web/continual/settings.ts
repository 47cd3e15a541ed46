// The Continual mode's settings as URL parameters and form fields: the study's registry
// (src/study/continual-settings.ts) for names, parsing and messages, checkContinual for the checks
// across fields, and the page's own defaults, which keep a first run to about a minute.
import { show } from "../../errors.js";
import { BACKEND_CHOICES, type BackendChoice } from "../../engine/wasm.js";
import { CONTINUAL, checkContinual, type ContinualConfig } from "../../study/continual-config.js";
import {
  CONTINUAL_SETTINGS,
  formatContinual,
  parseContinualSetting,
  renameSetting,
  type ContinualKey,
} from "../../study/continual-settings.js";

const MNIST_TRAIN_IMAGES = 60_000;

/** The settings the page shows, in the form's order; the rest keep the study's defaults. */
export const PAGE_KEYS = [
  "tasks",
  "perTask",
  "methods",
  "layers",
  "optimizer",
  "learningRate",
  "weightDecay",
  "noise",
  "replacementRate",
  "seed",
] as const satisfies readonly ContinualKey[];
export type PageKey = (typeof PAGE_KEYS)[number];

/** The study's defaults, but 10,000 examples per task (a sixth of a pass over MNIST each). */
export const PAGE_DEFAULTS: ContinualConfig = { ...CONTINUAL, layers: [...CONTINUAL.layers], perTask: 10_000 };

export interface PageSettings {
  config: ContinualConfig;
  engine: BackendChoice;
  /** One per field at fault ("" for the settings as a whole). */
  errors: { field: PageKey | "engine" | ""; message: string }[];
}

/** Parses the form's (or the URL's) texts; a field left out keeps the page's default. */
export function parsePageSettings(texts: Partial<Record<PageKey | "engine", string>>): PageSettings {
  const errors: PageSettings["errors"] = [];
  const given: Record<string, unknown> = {};
  for (const key of PAGE_KEYS) {
    const text = texts[key];
    if (text === undefined) continue;
    try {
      given[key] = parseContinualSetting(key, text, CONTINUAL_SETTINGS[key].label);
    } catch (e) {
      errors.push({ field: key, message: (e as Error).message });
    }
  }
  let engine: BackendChoice = "auto";
  if (texts.engine !== undefined) {
    if (BACKEND_CHOICES.includes(texts.engine as BackendChoice)) engine = texts.engine as BackendChoice;
    else
      errors.push({
        field: "engine",
        message: `engine must be one of ${BACKEND_CHOICES.join(", ")}, got ${show(texts.engine)}`,
      });
  }
  // The fields that parsed are checked together too (the others keep their defaults meanwhile),
  // so that a range error shows beside a field's own.
  let config = PAGE_DEFAULTS;
  try {
    const checked = checkContinual({ ...PAGE_DEFAULTS, ...given }, MNIST_TRAIN_IMAGES);
    if (errors.length === 0) config = checked;
  } catch (e) {
    const { key, message } = renameSetting((e as Error).message, (k) => CONTINUAL_SETTINGS[k].label);
    errors.push({ field: key && (PAGE_KEYS as readonly string[]).includes(key) ? (key as PageKey) : "", message });
  }
  return { config, engine, errors };
}

/** The URL parameter of a field. */
export const paramOf = (key: PageKey | "engine") => (key === "engine" ? "engine" : CONTINUAL_SETTINGS[key].param);

/** The settings from a query string, and the parameters it names that the page does not know. */
export function parseContinualQuery(search: string): PageSettings & { autostart: boolean } {
  const query = new URLSearchParams(search);
  const texts: Partial<Record<PageKey | "engine", string>> = {};
  const unknown: PageSettings["errors"] = [];
  for (const [name, value] of query) {
    const key = [...PAGE_KEYS, "engine" as const].find((k) => paramOf(k) === name);
    if (key) texts[key] = value;
    else if (name !== "autostart")
      unknown.push({
        field: "",
        message: `unknown URL parameter ${show(name)} (known: ${[...PAGE_KEYS.map(paramOf), "engine", "autostart"].join(", ")})`,
      });
  }
  const settings = parsePageSettings(texts);
  const autostart = ["", "1", "true"].includes(query.get("autostart") ?? "0");
  return { ...settings, errors: [...settings.errors, ...unknown], autostart };
}

/** A field's text for a config. */
export const formatField = (key: PageKey, config: ContinualConfig) => formatContinual(key, config[key]);

/** The settings as a query string: every field that differs from the page's defaults. */
export function toContinualQuery(config: ContinualConfig, engine: BackendChoice): string {
  const q = PAGE_KEYS.filter((k) => formatField(k, config) !== formatField(k, PAGE_DEFAULTS)).map(
    (k) => `${paramOf(k)}=${encodeURIComponent(formatField(k, config)).replace(/%2C/g, ",")}`,
  );
  if (engine !== "auto") q.push(`engine=${engine}`);
  return q.length ? `?${q.join("&")}` : "";
}

/** The same study from a terminal: the flags whose values differ from the CLI's defaults. */
export function continualCommand(config: ContinualConfig, engine: BackendChoice): string {
  const flags = PAGE_KEYS.filter((k) => formatField(k, config) !== formatContinual(k)).map(
    (k) => `--${CONTINUAL_SETTINGS[k].flag} ${formatField(k, config)}`,
  );
  if (engine !== "auto") flags.push(`--backend ${engine}`);
  return ["dying-relu continual", ...flags].join(" ");
}
