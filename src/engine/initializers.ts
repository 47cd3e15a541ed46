// The kernel initialisers, in one registry of Keras names and engine codes (assembly/codes.ts):
// the lists, the type and compile()'s, the CLI's and the lab's checks follow from it.
import {
  INIT_GLOROT_NORMAL,
  INIT_GLOROT_UNIFORM,
  INIT_HE_NORMAL,
  INIT_HE_UNIFORM,
  INIT_LECUN_NORMAL,
  INIT_LECUN_UNIFORM,
  INIT_RANDOMIZED_ASYMMETRIC,
} from "./codes.js";

export const INITIALIZER_CODES = {
  glorot_uniform: INIT_GLOROT_UNIFORM,
  glorot_normal: INIT_GLOROT_NORMAL,
  he_uniform: INIT_HE_UNIFORM,
  he_normal: INIT_HE_NORMAL,
  lecun_normal: INIT_LECUN_NORMAL,
  lecun_uniform: INIT_LECUN_UNIFORM,
  /** Lu et al. 2019: each unit's bias is drawn with its weights. */
  randomized_asymmetric: INIT_RANDOMIZED_ASYMMETRIC,
} as const;

export type Initializer = keyof typeof INITIALIZER_CODES;
export const INITIALIZERS = Object.keys(INITIALIZER_CODES) as Initializer[];
