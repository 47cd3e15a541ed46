// The page's other outputs, redrawn as the state changes: the alive/dead unit grids, the status
// lines, the list of problems and the notebook's final table.
import { deadDefinition, finishedRuns, type LabState } from "./state.js";
import { overallProgress, percent, tableRows } from "./series.js";
import { FIELD_HELP } from "./form.js";
import { color, label } from "./charts.js";
import { pageErrors, settings, state, support } from "./page.js";
import { $, h } from "./dom.js";
import type { Param } from "./settings.js";
import { denseName } from "../keras-defaults.js";

// ── Unit grids ──────────────────────────────────────────────────────────────────────────────

let gridCells: HTMLElement[][][] = []; // [rate][layer][unit]

export function buildGrids(): void {
  const host = $("grids");
  host.replaceChildren();
  const { config } = state;
  gridCells = state.runs.map((run, i) => {
    const layers = config.layers.map((units, l) => {
      const cols = units > 64 ? 16 : 8;
      const cells = Array.from({ length: units }, () => h("i"));
      const grid = h(
        "div",
        { class: "cells", style: `--cols:${cols}`, role: "img", "aria-label": `${denseName(l)}: not measured yet` },
        ...cells,
      );
      return { grid, cells, l, units };
    });
    host.append(
      h(
        "div",
        {
          class: "rate-row",
          style: `--c:${color(i)}`,
          id: `grid-${i}`,
          "data-lr": String(run.learningRate),
          "data-activation": run.activation,
        },
        h(
          "div",
          { class: "rate-head" },
          h("span", { class: "swatch", style: `--c:${color(i)}` }, `lr ${run.learningRate}`),
          h("small", { class: "rate-activation" }, `${run.activation}: dead = ${deadDefinition(run.activation)}`),
          h("small", { class: "rate-status" }, "waiting"),
        ),
        h(
          "div",
          { class: "layers" },
          ...layers.map(({ grid, l, units }) =>
            h(
              "div",
              { class: "layer" },
              h(
                "div",
                { class: "layer-head" },
                h("span", {}, `${denseName(l)}`),
                h("small", { class: "layer-count" }, `–/${units} dead`),
              ),
              grid,
            ),
          ),
        ),
      ),
    );
    return layers.map((x) => x.cells);
  });
}

export function renderGrids(): void {
  state.runs.forEach((r, i) => {
    const row = document.getElementById(`grid-${i}`);
    if (!row) return;
    const status = r.progress
      ? `epoch ${r.progress.epoch + 1}/${state.config.epochs}`
      : r.status === "done"
        ? `after ${r.epochs.length} epoch${r.epochs.length === 1 ? "" : "s"}`
        : r.status === "running" && r.before
          ? "before training"
          : r.status;
    row.querySelector(".rate-status")!.textContent = status;
    row.dataset.status = r.status;
    const counts = row.querySelectorAll<HTMLElement>(".layer-count");
    const grids = row.querySelectorAll<HTMLElement>(".cells");
    (r.masks ?? []).forEach((mask, l) => {
      const cells = gridCells[i]?.[l];
      if (!cells) return;
      let dead = 0;
      mask.forEach((m, u) => {
        dead += m;
        if (cells[u]) cells[u].className = m ? "dead" : "alive";
      });
      counts[l].textContent = `${dead}/${mask.length} dead`;
      grids[l].setAttribute("aria-label", `${denseName(l)}: ${dead} of ${mask.length} units dead`);
    });
  });
}

// ── Status, errors, table ───────────────────────────────────────────────────────────────────

const mb = (bytes: number) => (bytes / 1e6).toFixed(1);

/** The wasm engine's threads, and why it runs on one (a page that is not cross-origin isolated). */
function threadsText(e: NonNullable<LabState["engine"]>): string {
  if (e.backend === "js") return "";
  return ` · ${e.threads} thread${e.threads === 1 ? "" : "s"}${e.threadsNote ? `: ${e.threadsNote}` : ""}`;
}

export function renderStatus(): void {
  document.body.dataset.status = state.status;
  const d = state.download;
  const bar = $("data-bar") as HTMLProgressElement;
  if (state.data) {
    bar.value = bar.max = 1;
    $("data-text").textContent =
      `${state.data.train.toLocaleString("en-US")} training, ${state.data.test.toLocaleString("en-US")} test images`;
  } else if (d) {
    bar.max = d.total ?? 1;
    if (d.total) bar.value = d.loaded;
    else bar.removeAttribute("value");
    $("data-text").textContent = `downloading MNIST: ${mb(d.loaded)}${d.total ? ` / ${mb(d.total)}` : ""} MB`;
  } else {
    bar.value = 0;
    $("data-text").textContent = state.status === "loading" ? "requesting MNIST…" : "not loaded yet (11 MB, gzip)";
  }
  const e = state.engine;
  const expected =
    state.config.engine === "auto" ? (support.relaxed ? "wasm-relaxed" : "wasm-simd") : state.config.engine;
  $("engine-text").textContent = e ? `${e.backend} · ${e.simd}${threadsText(e)}` : `${expected} (when started)`;
  $("speed-text").textContent =
    state.msPerStep === null ? "–" : `${state.msPerStep.toFixed(2)} ms/step · batch ${state.config.batchSize}`;
  const running = state.runs.findIndex((r) => r.status === "running");
  const run = state.runs[running];
  const p = run?.progress;
  const progress = $("run-bar") as HTMLProgressElement;
  progress.value = overallProgress(state);
  const labels: Record<string, string> = {
    idle: "Ready. Press Start training.",
    loading: "Loading MNIST…",
    training: "Training…",
    done: `Done: ${state.runs.length} run${state.runs.length === 1 ? "" : "s"} in ${state.seconds?.toFixed(1) ?? "?"} s.`,
    stopped: "Stopped. Finished runs are kept below.",
    failed: "Stopped by an error (see above).",
  };
  $("run-text").textContent =
    run && p
      ? `${label(running)}: epoch ${p.epoch + 1}/${state.config.epochs}, step ${p.step + 1}/${p.steps} — loss ${p.loss.toFixed(4)}, accuracy ${percent(p.accuracy)}`
      : run
        ? `${label(running)}: starting…`
        : labels[state.status];
}

export function renderErrors(): void {
  const errors = [
    ...pageErrors,
    ...settings.errors.map((e) =>
      e.param ? `${FIELD_HELP[e.param as Param]?.label ?? e.param}: ${e.message}` : e.message,
    ),
    ...state.errors,
  ];
  const box = $("errors");
  box.hidden = errors.length === 0;
  if (errors.length)
    box.replaceChildren(
      h("strong", {}, errors.length === 1 ? "Problem" : "Problems"),
      h("ul", {}, ...errors.map((e) => h("li", {}, e))),
    );
  else box.replaceChildren();
  const notes = $("notices");
  notes.hidden = state.notices.length === 0;
  notes.replaceChildren(...state.notices.map((n) => h("p", {}, n)));
}

export function renderTable(): void {
  const runs = finishedRuns(state);
  const { layers, rows } = tableRows(runs);
  const table = $("results-table");
  const head = h(
    "tr",
    {},
    h("th", { scope: "col" }, "learning rate"),
    h("th", { scope: "col" }, "activation"),
    ...layers.map((l) => h("th", { scope: "col" }, `${l} dead`)),
    h("th", { scope: "col" }, "val accuracy"),
    h("th", { scope: "col" }, "time"),
  );
  const body = rows.map((r, k) => {
    const i = state.runs.findIndex((x) => x.run === runs[k]);
    return h(
      "tr",
      { "data-lr": String(r.learningRate), "data-activation": r.activation },
      h("th", { scope: "row" }, h("span", { class: "swatch", style: `--c:${color(i)}` }, String(r.learningRate))),
      h(
        "td",
        { "data-label": "activation", "data-definition": r.definition },
        r.activation,
        " ",
        h("small", {}, `dead = ${r.definition}`),
      ),
      ...r.dead.map((d, l) =>
        h(
          "td",
          {
            "data-dead": String(d.dead),
            "data-units": String(d.units),
            "data-label": `${layers[l]} dead`,
            "data-nearly-dead": String(d.nearlyDead ?? ""),
            "data-dormant": String(d.dormant ?? ""),
            "data-revived": String(d.revived ?? ""),
          },
          percent(d.fraction),
          " ",
          h("small", {}, `(${d.dead}/${d.units})`),
          h(
            "small",
            { class: "more" }, // No-break space and hyphen: the lines wrap between the figures, not inside them.
            `nearly dead\u00a0${d.nearlyDead ?? "–"} · τ\u2011dormant\u00a0${d.dormant ?? "–"} · revived\u00a0${d.revived ?? "–"}${d.recycled === null ? "" : ` · recycled\u00a0${d.recycled}`}`,
          ),
        ),
      ),
      h(
        "td",
        { "data-accuracy": String(r.valAccuracy ?? ""), "data-label": "val accuracy" },
        r.valAccuracy === null ? "n/a" : percent(r.valAccuracy),
        ...(r.diverged ? [" ", h("small", {}, "diverged")] : []),
      ),
      h("td", { "data-label": "time" }, `${r.seconds.toFixed(1)} s`),
    );
  });
  table.replaceChildren(h("thead", {}, head), h("tbody", {}, ...body));
  $("results").dataset.complete = String(state.status === "done");
  $("results-empty").hidden = runs.length > 0;
  table.hidden = runs.length === 0;
  ($("download") as HTMLButtonElement).disabled = runs.length === 0;
}
