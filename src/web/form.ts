// The settings form's parts: each field's label and hint, its widget (text, select or checkboxes)
// read and written as the URL's text, and the field errors, buttons and CLI line drawn from the settings.
import { BACKEND_CHOICES } from "../engine/wasm.js";
import { INITIALIZERS } from "../engine/initializers.js";
import { OPTIMIZERS } from "../engine/optimizer.js";
import { HIDDEN_ACTIVATIONS } from "../engine/activations.js";
import { DEFAULTS, PARAM_NAMES, formatParam, type Param } from "./settings.js";
import { cliCommand, cliGaps } from "./study-config.js";
import { settings, state, support } from "./page.js";
import { $, h } from "./dom.js";

const ENGINE_LABELS: Record<string, string> = {
  auto: "auto (fastest here)",
  "wasm-relaxed": "wasm-relaxed",
  "wasm-simd": "wasm-simd",
  js: "js (plain JavaScript)",
};

export const FIELD_HELP: Record<Param, { label: string; hint: string; inputmode: string }> = {
  lr: { label: "Learning rates", hint: "comma-separated, one run each", inputmode: "decimal" },
  epochs: { label: "Epochs", hint: "per run", inputmode: "numeric" },
  batch: { label: "Batch size", hint: "images per optimizer step", inputmode: "numeric" },
  layers: { label: "Hidden layers", hint: "widths; a 10-way softmax follows", inputmode: "decimal" },
  probe: { label: "Probe images", hint: "dead units are counted on the first N", inputmode: "numeric" },
  seed: { label: "Seed", hint: "weights and shuffling", inputmode: "numeric" },
  engine: { label: "Engine", hint: "relaxed SIMD, plain SIMD or JS", inputmode: "" },
  subset: { label: "Training subset", hint: "first N images; empty = all 60,000", inputmode: "numeric" },
  act: { label: "Hidden activations", hint: "each learning rate runs once with each", inputmode: "" },
  alpha: { label: "Alpha", hint: "leaky_relu's slope, elu's α; empty = Keras' 0.3 and 1.0", inputmode: "decimal" },
  init: { label: "Kernel initialiser", hint: "hidden layers; biases start at 0", inputmode: "" },
  opt: { label: "Optimizer", hint: "Keras 3's, with its defaults", inputmode: "" },
  momentum: { label: "Momentum", hint: "sgd and rmsprop; empty = 0", inputmode: "decimal" },
  nesterov: { label: "Nesterov", hint: "sgd only", inputmode: "" },
  centered: { label: "Centered", hint: "rmsprop only", inputmode: "" },
  clipnorm: { label: "Clip norm", hint: "each kernel's and bias's gradient to this L2 norm", inputmode: "decimal" },
  clipvalue: { label: "Clip value", hint: "every gradient value into [−c, c]", inputmode: "decimal" },
  gclipnorm: { label: "Global clip norm", hint: "all gradients together to this L2 norm", inputmode: "decimal" },
  wd: { label: "Weight decay", hint: "decoupled; empty = adamw 0.004, others 0", inputmode: "decimal" },
  warmup: {
    label: "Warmup steps",
    hint: "the rate grows linearly from 0 over the first N steps",
    inputmode: "numeric",
  },
  redo: {
    label: "ReDo every",
    hint: "re-initialise τ-dormant units every N steps (Sokar et al. 2023)",
    inputmode: "numeric",
  },
  redotau: { label: "ReDo τ", hint: "dormancy threshold for ReDo; empty = 0.025", inputmode: "decimal" },
};
/** What an empty optional field means. */
const PLACEHOLDERS: Partial<Record<Param, string>> = {
  subset: "all",
  alpha: "Keras' default",
  momentum: "0",
  clipnorm: "none",
  clipvalue: "none",
  gclipnorm: "none",
  wd: "optimizer's default",
  warmup: "none",
  redo: "never",
  redotau: "0.025",
};
export const CHOICES: Partial<Record<Param, readonly string[]>> = {
  engine: BACKEND_CHOICES,
  init: INITIALIZERS,
  opt: OPTIMIZERS,
};

// ── Settings form ───────────────────────────────────────────────────────────────────────────

/** A form control as text, whatever its widget: the URL's value in, the URL's value out. */
export interface Control {
  el: HTMLElement;
  get(): string;
  set(text: string): void;
}
export const controls = {} as Record<Param, Control>;

export function textControl(p: Param, id: string): Control {
  const help = FIELD_HELP[p];
  const input = h("input", {
    id,
    name: p,
    type: "text",
    inputmode: help.inputmode,
    autocomplete: "off",
    spellcheck: "false",
    placeholder: PLACEHOLDERS[p] ?? formatParam(p, DEFAULTS),
  });
  return { el: input, get: () => input.value, set: (t) => (input.value = t) };
}

export function selectControl(p: Param, id: string, choices: readonly string[]): Control {
  const select = h("select", { id, name: p });
  for (const c of choices) {
    const unsupported =
      p === "engine" && ((c === "wasm-relaxed" && !support.relaxed) || (c.startsWith("wasm") && !support.simd));
    select.append(
      h(
        "option",
        { value: c },
        (p === "engine" ? ENGINE_LABELS[c] : c) + (unsupported ? " (not in this browser)" : ""),
      ),
    );
  }
  return { el: select, get: () => select.value, set: (t) => (select.value = t) };
}

/** The activations as one checkbox each; the value is the checked ones, comma-separated. */
export function activationsControl(id: string): Control {
  const boxes = HIDDEN_ACTIVATIONS.map((a) => h("input", { type: "checkbox", value: a, id: `${id}-${a}` }));
  const el = h(
    "div",
    { id, class: "checks", role: "group" },
    ...boxes.map((b) => h("label", { class: "check" }, b, b.value)),
  );
  return {
    el,
    get: () =>
      boxes
        .filter((b) => b.checked)
        .map((b) => b.value)
        .join(","),
    set: (t) => {
      const names = t.split(",").map((x) => x.trim());
      for (const b of boxes) b.checked = names.includes(b.value);
    },
  };
}

export function checkboxControl(p: Param, id: string): Control {
  const box = h("input", { type: "checkbox", id, name: p });
  return {
    el: h("label", { class: "check" }, box, "on"),
    get: () => (box.checked ? "1" : "0"),
    set: (t) => (box.checked = t === "1" || t === "true"),
  };
}

export function formValues(): Record<Param, string> {
  return Object.fromEntries(PARAM_NAMES.map((p) => [p, controls[p].get()])) as Record<Param, string>;
}

export function renderSettings(): void {
  for (const p of PARAM_NAMES) {
    const err = settings.errors.find((e) => e.param === p);
    const el = controls[p].el;
    (el.matches("input, select") ? el : el.querySelector("input")!).setAttribute(
      "aria-invalid",
      err ? "true" : "false",
    );
    $(`f-${p}-error`).textContent = err?.message ?? "";
  }
  const running = state.status === "loading" || state.status === "training";
  const blocked = settings.errors.length > 0 || !support.wasm;
  ($("start") as HTMLButtonElement).disabled = running || blocked;
  ($("stop") as HTMLButtonElement).disabled = !running;
  ($("start") as HTMLButtonElement).textContent =
    state.status === "idle" ? "Start training" : running ? "Training…" : "Run again";
  $("cli").textContent = cliCommand(settings.config);
  const gaps = cliGaps(settings.config);
  $("cli-note").textContent = gaps.length ? ` (${gaps.join("; ")})` : "";
}
