// The page's live values, shared by the form, the charts and the tables: what the browser supports,
// the URL's settings and problems, and the current settings and lab state. main.ts replaces the last two.
import { relaxedSimdSupported } from "../engine/wasm.js";
import { simdSupported, webAssemblySupported } from "./support.js";
import { parseQuery, type FieldError, type LabConfig } from "./settings.js";
import { initialState, type LabState } from "./state.js";

// ── Page state ──────────────────────────────────────────────────────────────────────────────

export const support = { wasm: webAssemblySupported(), simd: false, relaxed: false };
if (support.wasm) {
  support.simd = simdSupported();
  support.relaxed = support.simd && relaxedSimdSupported();
}

export const fromUrl = parseQuery(location.search);
// Field errors block starting; the rest (unknown parameters) are only shown.
export let settings: { config: LabConfig; errors: FieldError[] } = {
  config: fromUrl.config,
  errors: fromUrl.errors.filter((e) => e.param !== "" && e.param !== "autostart"),
};
export let state: LabState = initialState(settings.config);
export const pageErrors: string[] = fromUrl.errors
  .filter((e) => e.param === "" || e.param === "autostart")
  .map((e) => e.message);

/** main.ts's assignments to the two (a module cannot assign another's exported binding). */
export function setSettings(next: { config: LabConfig; errors: FieldError[] }): void {
  settings = next;
}
export function setState(next: LabState): void {
  state = next;
}
