// The js twin of assembly/model.ts's modelUpdate: one optimizer step on a model's gradient
// arena, as its descriptor (d, the OPTF_* fields of codes.ts) says: clipping, decoupled weight
// decay, then adam, sgd or rmsprop (plain or centered).
import {
  OPT_ADAM,
  OPT_RMSPROP_CENTERED,
  OPT_SGD,
  OPTF_BETA1,
  OPTF_BETA2,
  OPTF_CLIPNORM,
  OPTF_CLIPVALUE,
  OPTF_EPSILON,
  OPTF_GLOBAL_CLIPNORM,
  OPTF_KIND,
  OPTF_LEARNING_RATE,
  OPTF_MOMENTUM,
  OPTF_NESTEROV,
  OPTF_RHO,
  OPTF_WEIGHT_DECAY,
} from "../codes.js";
import type { Model } from "./model.js";
import { adam, clipByGlobalNorm, clipByNorm, clipByValue, rmsprop, sgd, weightDecay } from "./optimizers.js";

export function updateModel(F: Float32Array, d: Float64Array, md: Model): void {
  const kind = d[OPTF_KIND];
  const lr = d[OPTF_LEARNING_RATE];
  const clipnorm = d[OPTF_CLIPNORM];
  const clipvalue = d[OPTF_CLIPVALUE];
  const globalClipnorm = d[OPTF_GLOBAL_CLIPNORM];
  const wd = d[OPTF_WEIGHT_DECAY];
  const fr = Math.fround;
  if (clipnorm > 0) {
    for (const ly of md.layers) {
      clipByNorm(F, ly.gw >> 2, ly.inDim * ly.width, fr(clipnorm));
      clipByNorm(F, ly.gb >> 2, ly.width, fr(clipnorm));
    }
  } else if (globalClipnorm > 0) {
    clipByGlobalNorm(F, md.grads >> 2, md.nParams, fr(globalClipnorm));
  } else if (clipvalue > 0) {
    clipByValue(F, md.grads >> 2, md.nParams, fr(clipvalue));
  }
  if (wd > 0) weightDecay(F, md.params >> 2, md.nParams, fr(wd), fr(lr));
  md.step++;
  if (kind === OPT_ADAM) {
    const t = md.step;
    const beta1 = d[OPTF_BETA1];
    const beta2 = d[OPTF_BETA2];
    const alpha = (lr * Math.sqrt(1 - Math.pow(beta2, t))) / (1 - Math.pow(beta1, t));
    adam(
      F,
      md.params >> 2,
      md.grads >> 2,
      md.m >> 2,
      md.v >> 2,
      md.nParams,
      fr(alpha),
      fr(1 - beta1),
      fr(1 - beta2),
      fr(d[OPTF_EPSILON]),
    );
  } else if (kind === OPT_SGD) {
    sgd(F, md.params >> 2, md.grads >> 2, md.m >> 2, md.nParams, fr(lr), fr(d[OPTF_MOMENTUM]), d[OPTF_NESTEROV] !== 0);
  } else {
    const rho = d[OPTF_RHO];
    rmsprop(
      F,
      md.params >> 2,
      md.grads >> 2,
      md.v >> 2,
      md.m >> 2,
      md.ag >> 2,
      md.nParams,
      fr(lr),
      fr(rho),
      fr(1 - rho),
      fr(d[OPTF_MOMENTUM]),
      fr(d[OPTF_EPSILON]),
      kind === OPT_RMSPROP_CENTERED,
    );
  }
}
