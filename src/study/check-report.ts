// Checks a parsed results file against REPORT_SCHEMA with Ajv, so that merge, report and any
// other reader use only values of the documented shape and bounds. One line per refusal, naming
// where in the file the problem is but never echoing the file's value.
import { Ajv2020 } from "ajv/dist/2020.js";
import { DataError, show } from "../errors.js";
import { REPORT_LIMITS, REPORT_SCHEMA } from "./report-schema.js";
import type { Report } from "./schema.js";

interface SchemaError {
  instancePath: string;
  message?: string;
  params: { additionalProperty?: string };
}
let validate: ((data: unknown) => boolean) & { errors?: SchemaError[] | null };

/** A JSON pointer (/runs/0/deadUnits) as a JavaScript path (runs[0].deadUnits). */
const jsPath = (pointer: string) =>
  pointer
    .slice(1)
    .split("/")
    .map((key) => (/^\d+$/.test(key) ? `[${key}]` : `.${key}`))
    .join("")
    .replace(/^\./, "");

/** `data` as a Report if it fits the schema and its grid's bounds; else a DataError naming `file` and the first problem. */
export function checkReport(data: unknown, file: string): Report {
  validate ??= new Ajv2020({ allErrors: false, strict: true }).compile(REPORT_SCHEMA);
  if (!validate(data)) {
    const [e] = validate.errors ?? [];
    const where = e?.instancePath ? jsPath(e.instancePath) : "the file";
    const extra = e?.params.additionalProperty;
    const what = extra === undefined ? (e?.message ?? "is malformed") : `has an unknown field ${show(extra)}`;
    throw new DataError(`${file}: not a dying-relu results file: ${where} ${what}`);
  }
  const { config } = data as Report;
  const cells =
    config.learningRates.length * (config.activations?.length ?? 1) * (config.initializers?.length ?? 1) * config.seeds;
  if (cells > REPORT_LIMITS.runs) {
    throw new DataError(
      `${file}: its config spans ${cells} runs (rates × activations × inits × seeds), more than the ${REPORT_LIMITS.runs} a results file may hold`,
    );
  }
  return data as Report;
}
