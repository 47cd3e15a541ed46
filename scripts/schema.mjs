// Writes the results file's JSON Schema (src/study/report-schema.ts, once compiled) to
// dist/report.schema.json, the file the package exports for other tools.
import { writeFileSync } from "node:fs";
import { REPORT_SCHEMA } from "../dist/study/report-schema.js";

writeFileSync(new URL("../dist/report.schema.json", import.meta.url), `${JSON.stringify(REPORT_SCHEMA, null, 2)}\n`);
