// The lab's Continual mode: Online Permuted MNIST in the page. Settings mirrored in the URL, one
// worker per method (as many at once as the browser has cores), the four charts against the task
// filling in as tasks finish, a status line per method, the summary table and the results file.
import { BACKEND_CHOICES } from "../../engine/wasm.js";
import { METHOD_SPECS, METHODS } from "../../study/continual-config.js";
import { CONTINUAL_SETTINGS } from "../../study/continual-settings.js";
import { METHOD_COLORS, deadShare, summaryRows } from "../../study/continual-summary.js";
import { $, h } from "../dom.js";
import { buildCharts, charts } from "./charts.js";
import { checkFromContinualWorker, type StartContinual } from "./protocol.js";
import {
  PAGE_KEYS,
  continualCommand,
  formatField,
  paramOf,
  parseContinualQuery,
  parsePageSettings,
  toContinualQuery,
  type PageKey,
  type PageSettings,
} from "./settings.js";
import {
  applyMessage,
  downloaded,
  finishedRuns,
  initialState,
  resultsFile,
  stopState,
  type ContinualState,
} from "./state.js";

type Field = PageKey | "engine";
const FIELDS: Field[] = [...PAGE_KEYS, "engine"];
const inputs = new Map<Field, HTMLInputElement | HTMLSelectElement>();
const methodBoxes = new Map<string, HTMLInputElement>();

const fromUrl = parseContinualQuery(location.search);
let settings: PageSettings = fromUrl;
let state: ContinualState = initialState(settings.config, settings.engine);
let workers: (Worker | null)[] = [];

// ── Settings form ───────────────────────────────────────────────────────────────────────────

function fieldText(key: Field): string {
  if (key === "methods") return METHODS.filter((m) => methodBoxes.get(m)?.checked).join(",");
  return inputs.get(key)?.value ?? "";
}

function buildForm(): void {
  const host = $("fields");
  for (const key of FIELDS) {
    const id = `f-${paramOf(key)}`;
    const label = key === "engine" ? "engine" : CONTINUAL_SETTINGS[key].label;
    const hint = key === "engine" ? "relaxed SIMD, plain SIMD or plain JavaScript" : CONTINUAL_SETTINGS[key].help;
    let control: HTMLElement;
    if (key === "methods") {
      control = h(
        "span",
        { class: "checks", role: "group", "aria-labelledby": `${id}-label` },
        ...METHODS.map((m) => {
          const box = h("input", { type: "checkbox", value: m, checked: settings.config.methods.includes(m) });
          methodBoxes.set(m, box);
          return h("label", { class: "check", title: METHOD_SPECS[m].help }, box, m);
        }),
      );
    } else {
      const choices =
        key === "engine" ? BACKEND_CHOICES : key === "optimizer" ? CONTINUAL_SETTINGS.optimizer.rule.choices : null;
      const el = choices
        ? h("select", { id }, ...choices.map((c) => h("option", { value: c }, c)))
        : h("input", { id, type: "text", spellcheck: "false", autocomplete: "off" });
      el.value = key === "engine" ? settings.engine : formatField(key, settings.config);
      el.setAttribute("aria-describedby", `${id}-hint ${id}-error`);
      inputs.set(key, el);
      control = el;
    }
    host.append(
      h(
        "div",
        { class: `field field-${paramOf(key)}` },
        key === "methods" ? h("span", { class: "label", id: `${id}-label` }, label) : h("label", { for: id }, label),
        control,
        h("small", { class: "hint", id: `${id}-hint` }, hint),
        h("small", { class: "field-error", id: `${id}-error`, "aria-live": "polite" }),
      ),
    );
    control.addEventListener("input", onInput);
    control.addEventListener("change", onInput);
  }
}

function onInput(): void {
  settings = parsePageSettings(Object.fromEntries(FIELDS.map((k) => [k, fieldText(k)])));
  if (settings.errors.length === 0)
    history.replaceState(null, "", location.pathname + toContinualQuery(settings.config, settings.engine));
  if (state.status === "idle") {
    state = initialState(settings.config, settings.engine);
    rebuild();
  }
  render();
}

// ── Running ─────────────────────────────────────────────────────────────────────────────────

function start(): void {
  onInput();
  if (settings.errors.length) return;
  stopWorkers();
  state = initialState(settings.config, settings.engine, "running");
  workers = state.runs.map(() => null);
  rebuild();
  startWaiting();
  render();
}

/** Starts waiting runs while fewer than the browser's cores are training. */
function startWaiting(): void {
  const cores = Math.max(1, navigator.hardwareConcurrency || 1);
  for (const [i, run] of state.runs.entries()) {
    if (workers.filter(Boolean).length >= cores) return;
    if (run.status !== "waiting" || workers[i]) continue;
    run.status = "loading";
    workers[i] = createWorker(i);
  }
}

function createWorker(i: number): Worker {
  const w = new Worker(new URL("./continual-worker.js", import.meta.url), {
    type: "module",
    name: `dying-relu ${state.runs[i].method}`,
  });
  const end = () => {
    w.terminate();
    workers[i] = null;
    startWaiting();
  };
  // A worker of a stopped or restarted study may still deliver a message: it is not this run's.
  const current = () => workers[i] === w;
  const failed = (message: string) => {
    applyMessage(state, i, { type: "error", stage: "training", message });
    end();
    invalidate();
  };
  w.onmessage = (event) => {
    if (!current()) return;
    const msg = checkFromContinualWorker(event.data);
    const bad = `the page got a malformed message from its worker: ${JSON.stringify(event.data)?.slice(0, 120)}`;
    if (applyMessage(state, i, msg ?? { type: "error", stage: "training", message: bad })) end();
    invalidate();
  };
  w.onerror = (event) => {
    event.preventDefault();
    if (current()) failed(`the worker failed: ${event.message || "it could not be loaded"}`);
  };
  w.onmessageerror = () => {
    if (current()) failed("a message from the worker could not be read");
  };
  const msg: StartContinual = {
    type: "start",
    config: state.config,
    method: state.runs[i].method,
    seed: state.config.seed,
    engine: state.engine,
    dataUrl: new URL("data/", location.href).href,
  };
  w.postMessage(msg);
  return w;
}

function stopWorkers(): void {
  for (const w of workers) w?.terminate();
  workers = [];
}

function stop(): void {
  stopWorkers();
  stopState(state);
  render();
}

function download(): void {
  const runs = finishedRuns(state);
  const backend = state.runs.find((r) => r.backend)?.backend;
  if (!runs.length || !backend) return;
  const json = `${JSON.stringify(resultsFile(state, backend), null, 2)}\n`;
  const url = URL.createObjectURL(new Blob([json], { type: "application/json" }));
  const a = h("a", { href: url, download: `dying-relu-continual-seed${state.config.seed}.json` });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// ── Rendering ───────────────────────────────────────────────────────────────────────────────

function rebuild(): void {
  lastDrawn = "";
  buildCharts($("charts"), state.config.methods, state.config.tasks, (i) => state.runs[i].tasks);
  $("legend").replaceChildren(
    ...state.config.methods.map((m) => h("span", { class: "swatch", style: `--c:${METHOD_COLORS[m]}` }, m)),
  );
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

function statusLine(i: number): string {
  const r = state.runs[i];
  const { tasks } = state.config;
  const speed = r.stepsPerSecond ? ` · ${Math.round(r.stepsPerSecond).toLocaleString("en")} steps/s` : "";
  const last = r.tasks.at(-1);
  const measured = last ? ` · dead ${pct(deadShare(last))} · |w| ${last.weightMagnitude.toFixed(4)}` : "";
  switch (r.status) {
    case "waiting":
      return "waiting for a free core";
    case "loading":
      return "loading MNIST and the engine";
    case "running": {
      const p = r.progress;
      const task = p ? `task ${p.task}/${tasks}, ${pct(p.hits / Math.max(1, p.done))} online so far` : "starting";
      return `${task}${measured}${speed}`;
    }
    case "done":
      return `done: ${r.tasks.length} tasks, last online accuracy ${pct(last?.onlineAccuracy ?? 0)}${measured}${speed}`;
    case "diverged":
      return `diverged in task ${r.tasks.at(-1)?.task ?? 1}: the loss became NaN/Inf`;
    case "stopped":
      return `stopped after ${r.tasks.length} tasks`;
    case "failed":
      return "failed (see above)";
  }
}

function renderTable(): void {
  const runs = finishedRuns(state);
  const table = $("results-table");
  table.hidden = runs.length === 0;
  $("results-empty").hidden = runs.length > 0;
  $("results").dataset.complete = String(state.status === "done");
  if (!runs.length) {
    table.replaceChildren();
    return;
  }
  const { header, rows } = summaryRows(runs);
  table.replaceChildren(
    h("thead", {}, h("tr", {}, ...header.map((c) => h("th", { scope: "col" }, c)))),
    h(
      "tbody",
      {},
      ...rows.map((row, k) => h("tr", { "data-method": runs[k].method }, ...row.map((c) => h("td", {}, c)))),
    ),
  );
}

function render(): void {
  frame = 0;
  for (const key of FIELDS) {
    const error = settings.errors.find((e) => e.field === key);
    const el = $(`f-${paramOf(key)}-error`);
    if (el) el.textContent = error?.message ?? "";
    inputs.get(key)?.setAttribute("aria-invalid", String(Boolean(error)));
  }
  const problems = [...settings.errors.filter((e) => e.field === "").map((e) => e.message), ...state.errors];
  // Live regions are redrawn only when their text changes, so that a screen reader hears it once.
  const errors = $("errors");
  errors.hidden = problems.length === 0;
  if (errors.textContent !== problems.join(""))
    errors.replaceChildren(h("ul", {}, ...problems.map((p) => h("li", {}, p))));
  document.body.dataset.status = state.status;
  ($("start") as HTMLButtonElement).disabled = state.status === "running" || settings.errors.length > 0;
  ($("stop") as HTMLButtonElement).disabled = state.status !== "running";
  ($("download") as HTMLButtonElement).disabled = finishedRuns(state).length === 0;
  $("cli").textContent = continualCommand(settings.config, settings.engine);
  ($("data-bar") as HTMLProgressElement).value = downloaded(state);
  const list = $("runs");
  const lines = state.runs.map((_, i) => statusLine(i));
  if (list.children.length !== lines.length)
    list.replaceChildren(
      ...state.runs.map((r) =>
        h(
          "li",
          { "data-method": r.method },
          h("b", { class: "swatch", style: `--c:${METHOD_COLORS[r.method]}` }, r.method),
          h("span"),
        ),
      ),
    );
  state.runs.forEach((r, i) => {
    const li = list.children[i] as HTMLElement;
    li.dataset.status = r.status;
    const text = li.querySelector("span")!;
    if (text.textContent !== ` ${lines[i]}`) text.textContent = ` ${lines[i]}`;
  });
  // The charts and the table change only when a task or a run ends, not with each progress line.
  const drawn = state.runs.map((r) => `${r.tasks.length}${r.status}`).join() + state.status;
  if (drawn !== lastDrawn) {
    charts.redraw();
    renderTable();
    lastDrawn = drawn;
  }
}

let lastDrawn = "";

let frame = 0;
function invalidate(): void {
  if (!frame) frame = requestAnimationFrame(render);
}

// ── Start-up ────────────────────────────────────────────────────────────────────────────────

buildForm();
rebuild();
$("start").addEventListener("click", start);
$("stop").addEventListener("click", stop);
$("download").addEventListener("click", download);
($("settings") as HTMLFormElement).addEventListener("submit", (e) => {
  e.preventDefault();
  start();
});
render();
if (fromUrl.autostart && settings.errors.length === 0) start();
