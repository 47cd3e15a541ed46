// Keras' model.summary() table for a stack of dense layers, drawn with the same box characters.

/** What the table needs of a layer. */
export interface SummaryLayer {
  name: string;
  inputs: number;
  units: number;
}

export function printSummary(layers: readonly SummaryLayer[], print: (line: string) => void): void {
  const rows = layers.map((l) => [
    `${l.name} (Dense)`,
    `(None, ${l.units})`,
    ((l.inputs + 1) * l.units).toLocaleString("en-US"),
  ]);
  const total = layers.reduce((s, l) => s + (l.inputs + 1) * l.units, 0);
  const w = [33, 24, 15];
  const cell = (cols: string[]) =>
    cols.map((c, i) => (i === 2 ? c.padStart(w[i] - 2) : c.padEnd(w[i] - 2))).join(" │ ");
  const line = (l: string, m: string, r: string, f: string) => l + w.map((n) => f.repeat(n)).join(m) + r;
  const size = `${((total * 4) / 1024).toFixed(2)} KB`;
  print('Model: "sequential"');
  print(line("┏", "┳", "┓", "━"));
  print(
    "┃ " +
      ["Layer (type)", "Output Shape", "Param #"]
        .map((c, i) => (i === 2 ? c.padStart(w[i] - 2) : c.padEnd(w[i] - 2)))
        .join(" ┃ ") +
      " ┃",
  );
  print(line("┡", "╇", "┩", "━"));
  rows.forEach((r, i) => {
    print(`│ ${cell(r)} │`);
    if (i < rows.length - 1) print(line("├", "┼", "┤", "─"));
  });
  print(line("└", "┴", "┘", "─"));
  print(` Total params: ${total.toLocaleString("en-US")} (${size})`);
  print(` Trainable params: ${total.toLocaleString("en-US")} (${size})`);
  print(` Non-trainable params: 0 (0.00 B)`);
}
