// Checks a book with a running `billcheck serve` from Node.js (18 or later:
// fetch is built in). Prints the report JSON on stdout, a one-line summary on
// stderr; exits 1 on an error answer.
//
//   billcheck serve --port 8080 &
//   node examples/node/check.mjs book.json            # BILLCHECK_URL, BILLCHECK_TOKEN to change
import { readFile } from "node:fs/promises";

const [book] = process.argv.slice(2);
if (!book) {
  console.error("usage: node check.mjs BOOK.json|BOOK.ledes");
  process.exit(2);
}
const url = process.env.BILLCHECK_URL ?? "http://127.0.0.1:8080";
const body = await readFile(book);
const ledes = body.subarray(0, 10).toString() === "LEDES1998B";
const headers = { "Content-Type": ledes ? "text/plain" : "application/json" };
if (process.env.BILLCHECK_TOKEN) headers.Authorization = `Bearer ${process.env.BILLCHECK_TOKEN}`;

const response = await fetch(`${url}/v1/check`, { method: "POST", headers, body });
const text = await response.text();
if (!response.ok) {
  const { error } = JSON.parse(text);
  console.error(`billcheck: ${response.status} ${error.code}: ${error.message}`);
  for (const p of error.problems) console.error(`  ${p.file}:${p.line ?? "?"}: ${p.message}`);
  process.exit(1);
}
process.stdout.write(text);
const report = JSON.parse(text);
const bySeverity = {};
for (const f of report.findings) bySeverity[f.severity] = (bySeverity[f.severity] ?? 0) + 1;
console.error(`billcheck: ${report.findings.length} findings`, bySeverity);
