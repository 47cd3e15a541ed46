// The lab's uPlot charts, for both modes: a line chart in a captioned card that follows its
// box's width, and the set of charts a page redraws from its state.
import uPlot from "uplot";
import { h } from "./dom.js";

export interface Chart {
  plot: uPlot;
  data: () => uPlot.AlignedData;
  box: HTMLElement;
}

export interface ChartSpec {
  title: string;
  note: string;
  xLabel: string;
  yLabel: string;
  log?: boolean;
  percent?: boolean;
  /** From 0 to a little above the largest value, however small (else at least 0 to 1). */
  fromZero?: boolean;
  xRange: [number, number];
  series: uPlot.Series[];
  data: () => uPlot.AlignedData;
}

const chartHeight = (width: number) => Math.round(Math.max(180, Math.min(260, width * 0.55)));

/** Point markers in a series' colour. */
export const points = (stroke: string) => ({ show: true, size: 6, stroke, fill: stroke });

/** A page's charts: added one by one, redrawn together, resized with their boxes. */
export class ChartSet {
  readonly charts: Chart[] = [];
  private readonly resizer = new ResizeObserver((entries) => {
    for (const entry of entries) {
      const chart = this.charts.find((c) => c.box === entry.target);
      const width = Math.floor(entry.contentRect.width);
      if (chart && width > 0 && width !== chart.plot.width) chart.plot.setSize({ width, height: chartHeight(width) });
    }
  });

  add(parent: HTMLElement, spec: ChartSpec): void {
    const box = h("div", { class: "plot" });
    parent.append(
      h(
        "figure",
        { class: "chart card" },
        h("figcaption", {}, h("b", {}, spec.title), " ", h("span", {}, spec.note)),
        box,
      ),
    );
    const width = Math.max(260, Math.floor(box.clientWidth || parent.clientWidth || 320));
    const axis = {
      stroke: "#5b6270",
      grid: { stroke: "#e7e9ee", width: 1 },
      ticks: { stroke: "#e7e9ee", width: 1 },
      font: "12px system-ui, sans-serif",
      labelFont: "12px system-ui, sans-serif",
    };
    const plot = new uPlot(
      {
        width,
        height: chartHeight(width),
        legend: { show: false },
        cursor: { drag: { x: false, y: false }, points: { size: 6 } },
        scales: {
          x: { time: false, range: spec.xRange },
          y: spec.log
            ? { distr: 3 }
            : spec.percent
              ? { range: [0, 1] }
              : spec.fromZero
                ? { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] }
                : { range: (_u, min, max) => [Math.min(0, min), Math.max(1, max)] },
        },
        axes: [
          { ...axis, label: spec.xLabel, size: 40, labelSize: 18 },
          {
            ...axis,
            label: spec.yLabel,
            size: 52,
            labelSize: 18,
            values: spec.percent ? (_u, vals) => vals.map((v) => `${Math.round(v * 100)}%`) : undefined,
          },
        ],
        series: [{}, ...spec.series],
      },
      spec.data(),
      box,
    );
    this.charts.push({ plot, data: spec.data, box });
    this.resizer.observe(box);
  }

  /** Every chart redrawn from its data. */
  redraw(): void {
    for (const c of this.charts) c.plot.setData(c.data());
  }

  clear(): void {
    for (const c of this.charts) {
      this.resizer.unobserve(c.box);
      c.plot.destroy();
    }
    this.charts.length = 0;
  }
}
