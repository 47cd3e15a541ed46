// The Continual mode's charts against the task, one line per method: online accuracy, dead
// units, the first hidden layer's effective rank and the weight magnitude.
import type uPlot from "uplot";
import type { Method } from "../../study/continual-config.js";
import type { TaskRecord } from "../../study/continual.js";
import { METHOD_COLORS, deadShare } from "../../study/continual-summary.js";
import { ChartSet, points } from "../plot.js";

interface Metric {
  title: string;
  note: string;
  yLabel: string;
  percent?: boolean;
  fromZero?: boolean;
  value: (t: TaskRecord) => number;
}

const METRICS: Metric[] = [
  {
    title: "Online accuracy",
    note: "share of each task's examples predicted right before being trained on",
    yLabel: "accuracy",
    percent: true,
    value: (t) => t.onlineAccuracy,
  },
  {
    title: "Dead units",
    note: "share of all hidden units that never fire on the task's first probe examples",
    yLabel: "dead",
    percent: true,
    value: deadShare,
  },
  {
    title: "Effective rank",
    note: "of the first hidden layer's activations on the probe (Roy & Vetterli 2007)",
    yLabel: "effective rank",
    value: (t) => t.effectiveRank[0],
  },
  {
    title: "Weight magnitude",
    note: "mean |w| over every kernel, at each task's start",
    yLabel: "mean |w|",
    fromZero: true,
    value: (t) => t.weightMagnitude,
  },
];

export const charts = new ChartSet();

/** The four charts for `methods` over `tasks` tasks; `records(i)` is method i's tasks so far. */
export function buildCharts(host: HTMLElement, methods: Method[], tasks: number, records: (i: number) => TaskRecord[]) {
  charts.clear();
  host.replaceChildren();
  const xs = Array.from({ length: tasks }, (_, k) => k + 1);
  for (const metric of METRICS) {
    charts.add(host, {
      title: metric.title,
      note: metric.note,
      xLabel: "task",
      yLabel: metric.yLabel,
      percent: metric.percent,
      fromZero: metric.fromZero,
      xRange: tasks > 1 ? [1, tasks] : [0.5, 1.5],
      series: methods.map((m) => ({
        label: m,
        stroke: METHOD_COLORS[m],
        width: 2,
        points: tasks <= 30 ? points(METHOD_COLORS[m]) : { show: false },
      })),
      data: () =>
        [
          xs,
          ...methods.map((_, i) => {
            const done = records(i);
            return xs.map((_, k) => (k < done.length ? metric.value(done[k]) : null));
          }),
        ] as uPlot.AlignedData,
    });
  }
}
