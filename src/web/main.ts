// The dying-ReLU lab page: settings mirrored in the URL, training in a Web Worker, live uPlot
// charts, a grid of alive/dead units per hidden layer and run, and the notebook's final table.
// The wiring lives here (start and stop, the worker's messages, the event handlers, start-up); the
// form's parts are in form.ts, the charts in charts.ts, the grids, status and table in render.ts.
import { checkFromWorker, type StartMessage } from "./protocol.js";
import { DEFAULTS, PARAM_NAMES, REMEDY_PARAMS, formatParam, parseSettings, toQuery, type Param } from "./settings.js";
import { resultsJson, studyConfig } from "./study-config.js";
import { applyMessage, finishedRuns, initialState, stopState } from "./state.js";
import { fromUrl, pageErrors, setSettings, setState, settings, state, support } from "./page.js";
import {
  CHOICES,
  FIELD_HELP,
  activationsControl,
  checkboxControl,
  controls,
  formValues,
  renderSettings,
  selectControl,
  textControl,
} from "./form.js";
import { buildCharts, buildMetricSelect, charts } from "./charts.js";
import { buildGrids, renderErrors, renderGrids, renderStatus, renderTable } from "./render.js";
import { $, h } from "./dom.js";

let worker: Worker | null = null;

// ── Settings form ───────────────────────────────────────────────────────────────────────────

function buildForm(values: Partial<Record<Param, string>>): void {
  for (const p of PARAM_NAMES) {
    const help = FIELD_HELP[p];
    const id = `f-${p}`;
    const choices = CHOICES[p];
    const control =
      p === "act"
        ? activationsControl(id)
        : p === "nesterov" || p === "centered"
          ? checkboxControl(p, id)
          : choices
            ? selectControl(p, id, choices)
            : textControl(p, id);
    // A value the widget cannot show (an unknown engine in the URL) stays in the URL's error.
    control.set(values[p] ?? formatParam(p, settings.config));
    controls[p] = control;
    const group = p === "act" || p === "nesterov" || p === "centered";
    $(REMEDY_PARAMS.includes(p) ? "remedy-fields" : "fields").append(
      h(
        "div",
        { class: `field field-${p}` },
        group ? h("span", { class: "label", id: `${id}-label` }, help.label) : h("label", { for: id }, help.label),
        control.el,
        h("small", { class: "hint", id: `${id}-hint` }, help.hint),
        h("small", { class: "field-error", id: `${id}-error`, "aria-live": "polite" }),
      ),
    );
    const focusable = control.el.matches("input, select") ? control.el : control.el.querySelector("input")!;
    if (group) control.el.setAttribute("aria-labelledby", `${id}-label`);
    focusable.setAttribute("aria-describedby", `${id}-hint ${id}-error`);
    control.el.addEventListener("input", onSettingsInput);
    control.el.addEventListener("change", onSettingsInput);
  }
}

function onSettingsInput(): void {
  setSettings(parseSettings(formValues()));
  if (settings.errors.length === 0) history.replaceState(null, "", toQuery(settings.config) + location.hash);
  // Until a run starts, the charts and grids preview the settings.
  if (state.status === "idle") {
    setState(initialState(settings.config));
    rebuildOutputs();
  }
  renderSettings();
  renderErrors();
}

// ── Running ─────────────────────────────────────────────────────────────────────────────────

function start(): void {
  setSettings(parseSettings(formValues()));
  if (settings.errors.length) {
    renderAll();
    return;
  }
  const config = settings.config;
  history.replaceState(null, "", toQuery(config) + location.hash);
  setState(initialState(config, "loading"));
  pageErrors.length = 0;
  rebuildOutputs();
  try {
    worker ??= createWorker();
  } catch (e) {
    state.status = "failed";
    state.errors.push(
      `Cannot start the training worker (module workers need Chrome 80+, Firefox 114+, Safari 15+): ${(e as Error).message}`,
    );
    renderAll();
    return;
  }
  const msg: StartMessage = {
    type: "start",
    study: studyConfig(config),
    activations: config.activations,
    engine: config.engine,
    subset: config.subset,
    dataUrl: new URL("data/", location.href).href,
  };
  worker.postMessage(msg);
  renderAll();
}

function createWorker(): Worker {
  const w = new Worker(new URL("./worker.js", import.meta.url), { type: "module", name: "dying-relu training" });
  w.onmessage = (event) => {
    const msg = checkFromWorker(event.data);
    if (!msg) {
      state.errors.push(
        `The page got a malformed message from the worker: ${JSON.stringify(event.data)?.slice(0, 120)}`,
      );
    } else {
      applyMessage(state, msg);
    }
    invalidate();
  };
  w.onerror = (event) => {
    event.preventDefault();
    stopWorker();
    state.status = "failed";
    state.errors.push(`The training worker failed: ${event.message || "it could not be loaded"}`);
    invalidate();
  };
  w.onmessageerror = () => {
    state.errors.push("A message from the training worker could not be read.");
    invalidate();
  };
  return w;
}

function stopWorker(): void {
  worker?.terminate();
  worker = null;
}

function stop(): void {
  stopWorker();
  stopState(state);
  renderAll();
}

function download(): void {
  const runs = finishedRuns(state);
  if (!runs.length || !state.engine) return;
  const json = `${JSON.stringify(resultsJson(state.config, state.engine, runs), null, 2)}\n`;
  const url = URL.createObjectURL(new Blob([json], { type: "application/json" }));
  const a = h("a", { href: url, download: `dying-relu-seed${state.config.seed}.json` });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

async function copyLink(): Promise<void> {
  const note = $("copy-note");
  try {
    await navigator.clipboard.writeText(location.href);
    note.textContent = "Link copied.";
  } catch {
    note.textContent = "Copy the address bar: it holds every setting.";
  }
  setTimeout(() => (note.textContent = ""), 3000);
}

function rebuildOutputs(): void {
  buildCharts();
  buildGrids();
}

let frame = 0;
function invalidate(): void {
  if (!frame) frame = requestAnimationFrame(renderAll);
}

function renderAll(): void {
  frame = 0;
  charts.redraw();
  renderGrids();
  renderStatus();
  renderTable();
  renderErrors();
  renderSettings();
  // After an error start afresh; after success keep the worker (and its copy of MNIST) for the next run.
  if (state.status === "failed") stopWorker();
}

// ── Start-up ────────────────────────────────────────────────────────────────────────────────

if (!support.wasm) pageErrors.push("This browser has no WebAssembly, which the engine needs.");
else if (!support.simd)
  pageErrors.push(
    "This browser lacks WebAssembly SIMD, which the engine needs (Chrome/Edge 91+, Firefox 89+, Safari 16.4+).",
  );

const rawValues: Partial<Record<Param, string>> = {};
for (const p of PARAM_NAMES) {
  const v = new URLSearchParams(location.search).get(p);
  if (v !== null) rawValues[p] = v;
}
buildForm(rawValues);
buildMetricSelect();
rebuildOutputs();
$("start").addEventListener("click", start);
$("stop").addEventListener("click", stop);
$("download").addEventListener("click", download);
$("copy").addEventListener("click", () => void copyLink());
$("reset").addEventListener("click", () => {
  for (const p of PARAM_NAMES) controls[p].set(formatParam(p, DEFAULTS));
  onSettingsInput();
});
($("settings") as HTMLFormElement).addEventListener("submit", (e) => {
  e.preventDefault();
  start();
});
renderAll();
if (fromUrl.autostart) {
  if (settings.errors.length === 0 && support.simd) start();
  else pageErrors.push("autostart=1 was ignored because of the problems listed here.");
  renderAll();
}
