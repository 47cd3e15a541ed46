// A model trained online on a stream of tasks (assembly/continual.ts): one example at a time,
// each predicted before it is trained on, on a dataset resident in the engine's memory, every
// task seen through its own pixel permutation and in its own order, both drawn by the engine from
// seeds. At a task's start it measures the model on a probe of the task's first examples: dead
// units per hidden layer and each layer's Gram matrix (for the ranks), and the weight magnitude.
// The permutation applies to the learner's own calls only: the model's predict() and evaluate()
// between them see the inputs as given.
import { deadDefinition, type HiddenActivation } from "./activations.js";
import { DEFAULT_NEARLY_DEAD_THRESHOLD, DEFAULT_TAU, activityCounts, type DeadUnits } from "./dead-units.js";
import type { Dataset, ResidentLabels } from "./dataset.js";
import { WasmMemory } from "./memory.js";
import type { Kernels } from "./abi.js";
import type { Layer } from "./layers.js";
import type { Sequential } from "./sequential.js";
import { INITIALIZER_CODES } from "./initializers.js";
import { checkFits } from "./sizes.js";

/** Rows per forward pass of the probe. */
const PROBE_CHUNK = 250;

export interface OnlineOptions {
  /** Shrink and Perturb's σ: N(0, σ²) on every weight and bias after each step (0: off). */
  noise?: number;
  /** Continual backprop: replacement rate ρ, utility decay η, maturity in steps. */
  cbp?: { rate: number; decay: number; maturity: number };
}

/** What a probe of the model at a task's start gives. */
export interface TaskProbe {
  /** Per hidden layer, as Sequential.deadUnits reports them. */
  deadUnits: DeadUnits[];
  /** Per hidden layer, its Gram matrix HᵀH over the probe (units × units, row-major, f64). */
  gram: Float64Array[];
}

export class OnlineLearner {
  private readonly mem: WasmMemory;
  private readonly perm: number;
  private readonly order: number;
  private readonly hidden: Layer[];
  private readonly cbp: boolean;

  constructor(
    private readonly model: Sequential,
    private readonly data: Dataset<ResidentLabels>,
    options: OnlineOptions = {},
  ) {
    const { k, m } = model.kernelAccess(PROBE_CHUNK);
    this.mem = new WasmMemory(k);
    const n = data.y.length;
    checkFits("the task permutation and order", 4 * (model.inputSize + n), 1);
    this.perm = k.alloc(4 * model.inputSize);
    this.order = k.alloc(4 * n);
    const layers = model.layerConfigs();
    this.hidden = layers.slice(0, -1);
    this.cbp = options.cbp !== undefined;
    k.modelSetNoise(m, options.noise ?? 0);
    if (options.cbp) {
      const { rate, decay, maturity } = options.cbp;
      const inits = this.mem.upload(Int32Array.from(layers, (l) => INITIALIZER_CODES[l.kernelInitializer]));
      k.modelCbpInit(m, rate, decay, maturity, inits);
      k.free(inits);
    }
  }

  /** Starts a task: its pixel permutation and its order of the examples, each from its seed. */
  startTask(permutationSeed: number, orderSeed: number): void {
    const { k } = this.model.kernelAccess(PROBE_CHUNK);
    k.permutationOf(this.perm, this.model.inputSize, permutationSeed >>> 0);
    k.permutationOf(this.order, this.data.y.length, orderSeed >>> 0);
  }

  /** The kernels and model with the task's permutation on, for the length of `body`. */
  private permuted<T>(body: (k: Kernels, m: number) => T): T {
    const { k, m } = this.model.kernelAccess(PROBE_CHUNK);
    k.modelSetPermutation(m, this.perm);
    try {
      return body(k, m);
    } finally {
      k.modelSetPermutation(m, 0);
    }
  }

  /** The task's current permutation and order (copies), for the tests. */
  permutation(): { pixels: Uint32Array; order: Uint32Array } {
    return {
      pixels: this.mem.u32(this.perm, this.model.inputSize).slice(),
      order: this.mem.u32(this.order, this.data.y.length).slice(),
    };
  }

  /** Predicts and then trains on examples start … start+count−1 of the task's order. */
  train(start: number, count: number): { loss: number; hits: number } {
    return this.permuted((k, m) => {
      const x = this.data.x;
      const y = this.data.y.pointer(k, "y");
      const loss = k.modelTrainOnline(m, x.pointer(k, "x"), x.isU8 ? 1 : 0, y, this.order, start, count);
      return { loss, hits: k.modelCorrect(m) };
    });
  }

  /** Dead units and Gram matrices on the first `rows` examples of the task's order. */
  probe(rows: number, threshold = DEFAULT_NEARLY_DEAD_THRESHOLD, tau = DEFAULT_TAU): TaskProbe {
    return this.permuted((k, m) => this.probeWith(k, m, rows, threshold, tau));
  }

  private probeWith(k: Kernels, m: number, rows: number, threshold: number, tau: number): TaskProbe {
    const x = this.data.x;
    const data = x.pointer(k, "x");
    const isU8 = x.isU8 ? 1 : 0;
    k.deadReset(m);
    k.deadAccumulate(m, data, isU8, this.order, 0, rows);
    const grams = this.hidden.map((h) => k.alloc(8 * h.units * h.units));
    const outputs = k.alloc(4 * PROBE_CHUNK * this.model.outputSize);
    try {
      for (const [l, g] of grams.entries()) new Float64Array(k.memory.buffer, g, this.hidden[l].units ** 2).fill(0);
      for (let s = 0; s < rows; s += PROBE_CHUNK) {
        const n = Math.min(PROBE_CHUNK, rows - s);
        k.modelPredict(m, data, isU8, this.order, s, n, outputs);
        grams.forEach((g, l) => k.layerGramAccumulate(m, l, n, g));
      }
      const deadUnits = this.hidden.map((h, l) => {
        const dead = k.deadCount(m, l);
        const active = this.mem.u32(k.layerActive(m, l), h.units);
        const absSum = this.mem.f32(k.layerAbsSum(m, l), h.units);
        return {
          layer: h.name,
          units: h.units,
          dead,
          fraction: dead / h.units,
          definition: deadDefinition(h.activation as HiddenActivation),
          ...activityCounts(active, absSum, rows, threshold, tau),
        };
      });
      const gram = grams.map((g, l) => new Float64Array(k.memory.buffer, g, this.hidden[l].units ** 2).slice());
      return { deadUnits, gram };
    } finally {
      for (const g of grams) k.free(g);
      k.free(outputs);
    }
  }

  /**
   * ReDo on the last probe: recycles each hidden layer's τ-dormant units (fresh input weights
   * from the layer's initialiser, outgoing weights and their moments 0). Returns the count per layer.
   */
  recycle(tau: number): number[] {
    const { k, m } = this.model.kernelAccess(PROBE_CHUNK);
    const units = this.hidden.reduce((s, h) => s + h.units, 0);
    const inits = this.mem.upload(
      Int32Array.from(this.model.layerConfigs(), (l) => INITIALIZER_CODES[l.kernelInitializer]),
    );
    const flags = k.alloc(4 * units);
    try {
      k.modelRecycle(m, tau, inits, flags);
      const f = new Int32Array(k.memory.buffer, flags, units);
      let at = 0;
      return this.hidden.map((h) => {
        let n = 0;
        for (let i = 0; i < h.units; i++) n += f[at + i];
        at += h.units;
        return n;
      });
    } finally {
      k.free(inits);
      k.free(flags);
    }
  }

  /** Continual backprop's running utility of every unit (not bias-corrected), per hidden layer. */
  utilities(): number[][] {
    const { k, m } = this.model.kernelAccess(PROBE_CHUNK);
    return this.hidden.map((h, l) =>
      Array.from({ length: h.units }, (_, i) => (this.cbp ? k.layerCbpUtility(m, l, i) : 0)),
    );
  }

  /** Units continual backprop has replaced so far, per hidden layer. */
  replaced(): number[] {
    const { k, m } = this.model.kernelAccess(PROBE_CHUNK);
    return this.hidden.map((_, l) => (this.cbp ? k.layerCbpReplaced(m, l) : 0));
  }

  /** Mean |w| over every kernel entry (biases excluded). */
  weightMagnitude(): number {
    let sum = 0;
    let count = 0;
    for (const { kernel } of this.model.getWeights()) {
      for (let i = 0; i < kernel.length; i++) sum += Math.abs(kernel[i]);
      count += kernel.length;
    }
    return sum / count;
  }

  /** Frees the task tables; the model stays (without a permutation). */
  dispose(): void {
    const { k } = this.model.kernelAccess(PROBE_CHUNK);
    k.free(this.perm);
    k.free(this.order);
  }
}
