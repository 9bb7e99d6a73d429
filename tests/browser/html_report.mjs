// The HTML report as a person sees it: writes `billcheck check BOOK --format
// html`, opens it in headless Chromium (Debian's `chromium`) over the DevTools
// protocol, and fails on any console error, any network request, a script
// the book smuggled in, or missing charts and table. Takes a screenshot.
//
//   node --experimental-websocket html_report.mjs --billcheck EXE --book DIR --work DIR
//        [--screenshot FILE] [--tamper]
//
// --tamper adds an inline script and style the policy does not name to the
// written page, and passes only when Chromium refuses both: the proof that
// the page's Content-Security-Policy is enforced, not just present.
//
// Exit 0 pass, 1 fail, 77 skipped (no chromium on this machine). Chromium runs
// with its own profile folder in --work and is killed, pass or fail.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const args = {};
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (a === "--tamper") args.tamper = true;
  else args[a.replace(/^--/, "")] = process.argv[++i];
}

function which(name) {
  for (const dir of (process.env.PATH || "").split(":")) {
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {}
  }
  return null;
}

const chromiumPath = process.env.CHROMIUM || which("chromium");
if (!chromiumPath) {
  console.log("SKIP: no chromium on this machine (apt-get install chromium)");
  process.exit(77);
}
if (typeof WebSocket === "undefined") {
  console.log("FAIL: this node has no WebSocket; run it with --experimental-websocket (Node >= 20.10)");
  process.exit(1);
}

const failures = [];
const fail = (what) => failures.push(what);

// The report.
fs.mkdirSync(args.work, { recursive: true });
const page = path.resolve(args.work, "report.html");
const written = spawnSync(args.billcheck, ["check", args.book, "--format", "html", "-o", page], { encoding: "utf8" });
if (written.status !== 1 || !fs.existsSync(page)) {
  console.log(`FAIL: billcheck check exited ${written.status} (expected 1, findings): ${written.stderr}`);
  process.exit(1);
}
if (args.tamper) {
  const html = fs.readFileSync(page, "utf8");
  fs.writeFileSync(
    page,
    html.replace("</body>", '<script>window.__pwned = "tampered"</script><style>body { display: none }</style>\n</body>'),
  );
}
const pageUrl = "file://" + page;

// Chromium in its own process group, so that killing the group ends its helpers too.
const profile = fs.mkdtempSync(path.join(path.resolve(args.work), "chromium-profile-"));
const chromium = spawn(
  chromiumPath,
  [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
    "--disable-default-apps", "--mute-audio", "--remote-debugging-port=0", `--user-data-dir=${profile}`,
    "about:blank",
  ],
  { detached: true, stdio: ["ignore", "ignore", "pipe"] },
);
let killed = false;
function stopChromium() {
  if (killed) return;
  killed = true;
  try {
    process.kill(-chromium.pid, "SIGKILL");
  } catch {}
  fs.rmSync(profile, { recursive: true, force: true });
}
process.on("exit", stopChromium);
const deadline = setTimeout(() => {
  console.log("FAIL: timed out after 90 s");
  stopChromium();
  process.exit(1);
}, 90_000);

const browserUrl = await new Promise((resolve, reject) => {
  let text = "";
  chromium.stderr.on("data", (chunk) => {
    text += chunk;
    const m = text.match(/DevTools listening on (ws:\/\/\S+)/);
    if (m) resolve(m[1]);
  });
  chromium.on("exit", (code) => reject(new Error(`chromium exited (${code}) before listening: ${text}`)));
});

// A minimal DevTools client: numbered commands, events by method.
const ws = new WebSocket(browserUrl);
await new Promise((resolve, reject) => {
  ws.onopen = resolve;
  ws.onerror = () => reject(new Error("cannot connect to chromium's DevTools"));
});
let nextId = 1;
const pending = new Map();
const listeners = [];
ws.onmessage = (event) => {
  const msg = JSON.parse(event.data);
  if (msg.id && pending.has(msg.id)) {
    const { resolve, reject } = pending.get(msg.id);
    pending.delete(msg.id);
    if (msg.error) reject(new Error(JSON.stringify(msg.error)));
    else resolve(msg.result);
  } else if (msg.method) {
    for (const l of listeners) l(msg);
  }
};
const started = Date.now();
function send(method, params = {}, sessionId) {
  if (process.env.HTML_REPORT_TRACE) console.error(`${Date.now() - started} ms: ${method}`);
  const id = nextId++;
  ws.send(JSON.stringify({ id, method, params, sessionId }));
  return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
}

const { targetId } = await send("Target.createTarget", { url: "about:blank" });
const { sessionId } = await send("Target.attachToTarget", { targetId, flatten: true });
const cmd = (method, params) => send(method, params, sessionId);

const requests = [];
const problems = [];
let loaded;
const loadedOnce = new Promise((resolve) => (loaded = resolve));
listeners.push((msg) => {
  if (msg.sessionId !== sessionId) return;
  const p = msg.params;
  switch (msg.method) {
    case "Network.requestWillBeSent":
      if (p.request.url !== pageUrl) requests.push(p.request.url);
      break;
    case "Runtime.consoleAPICalled":
      if (p.type === "error" || p.type === "assert")
        problems.push("console." + p.type + ": " + p.args.map((a) => a.value ?? a.description).join(" "));
      break;
    case "Runtime.exceptionThrown":
      problems.push("exception: " + (p.exceptionDetails.exception?.description ?? p.exceptionDetails.text));
      break;
    case "Log.entryAdded":
      // Content-Security-Policy violations arrive here (source "security").
      if (p.entry.level === "error") problems.push(`${p.entry.source}: ${p.entry.text}`);
      break;
    case "Page.javascriptDialogOpening":
      problems.push("a dialog opened: " + p.message);
      cmd("Page.handleJavaScriptDialog", { accept: false });
      break;
    case "Page.loadEventFired":
      loaded();
      break;
  }
});
await cmd("Page.enable");
await cmd("Runtime.enable");
await cmd("Log.enable");
await cmd("Network.enable");
await cmd("Emulation.setDeviceMetricsOverride", { width: 1280, height: 1600, deviceScaleFactor: 1, mobile: false });
await cmd("Page.navigate", { url: pageUrl });
await loadedOnce;
await new Promise((r) => setTimeout(r, 500));  // late console messages

const evaluate = async (expression) =>
  (await cmd("Runtime.evaluate", { expression, returnByValue: true })).result.value;
const dom = await evaluate(`(() => {
  const q = (s) => document.querySelectorAll(s).length;
  const on = [...document.querySelectorAll("*")].filter((e) => [...e.attributes].some((a) => /^on/i.test(a.name))).length;
  return {
    title: document.title,
    csp: document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.content ?? "",
    charts: q("figure.chart svg[role=img]"),
    bars: q("figure.chart svg rect"),
    chartTitles: q("figure.chart svg > title"),
    rows: q("#findings-table tbody tr"),
    captions: q("table > caption"),
    tables: q("table"),
    filtersShown: !document.getElementById("filters")?.hidden,
    linksToInvoices: [...document.querySelectorAll("#findings-table a[href^='#inv-']")].every((a) => document.getElementById(a.getAttribute("href").slice(1))),
    invoiceLinks: q("#findings-table a[href^='#inv-']"),
    flagged: q("tr.flagged"),
    scripts: q("script"),
    styles: q("style"),
    elementsWithHandlers: on,
    smuggled: q("img, iframe, object, embed, link, svg svg"),
    pwned: window.__pwned ?? null,
  };
})()`);

// Sorting and filtering work under the policy.
const sorted = await evaluate(`(() => {
  const button = document.querySelector("#findings-table thead th:nth-child(9) button");
  if (!button) return null;
  button.click(); button.click();
  const first = document.querySelector("#findings-table tbody tr").id;
  const select = document.querySelector("#filters select[name=severity]");
  select.value = select.options[1]?.value ?? "";
  select.dispatchEvent(new Event("change", { bubbles: true }));
  return { first, shown: document.getElementById("shown").textContent };
})()`);

// At 200% zoom (half the width in CSS pixels) the page reflows: no sideways scrolling.
await cmd("Emulation.setDeviceMetricsOverride", { width: 640, height: 800, deviceScaleFactor: 2, mobile: false });
const zoomed = await evaluate(`(() => {
  const width = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll("body *")]
    .filter((e) => e.getBoundingClientRect().right > width + 1 && !e.closest(".scroll"))
    .slice(0, 5)
    .map((e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className?.baseVal ?? e.className ? "." + (e.className.baseVal ?? e.className) : ""));
  return { scroll: document.documentElement.scrollWidth, width, wide };
})()`);
// Printed: the navigation and the filters are left out, and the PDF is written.
await cmd("Emulation.setEmulatedMedia", { media: "print" });
const printNav = await evaluate("getComputedStyle(document.querySelector('nav')).display");
await cmd("Emulation.setEmulatedMedia", { media: "" });
const pdf = await cmd("Page.printToPDF", { pageRanges: "1-3" });

await cmd("Emulation.setDeviceMetricsOverride", { width: 1280, height: 1600, deviceScaleFactor: 1, mobile: false });
if (args.screenshot) {
  // The page as it opens, not as the checks above left it.
  await cmd("Page.navigate", { url: pageUrl + "#" });
  await cmd("Page.reload", {});
  await new Promise((r) => setTimeout(r, 1000));
  const shot = await cmd("Page.captureScreenshot", { format: "png" });
  fs.writeFileSync(args.screenshot, Buffer.from(shot.data, "base64"));
}

if (requests.length) fail("network requests: " + requests.join(", "));
if (args.tamper) {
  // Both refusals are reported, and neither got through.
  const refused = problems.filter((p) => /Content Security Policy/i.test(p));
  if (refused.length < 2) fail("the policy did not refuse the added script and style: " + JSON.stringify(problems));
  if (dom.pwned !== null) fail("the added script ran");
  const hidden = await evaluate("getComputedStyle(document.body).display");
  if (hidden === "none") fail("the added style applied");
  problems.length = 0;
  dom.scripts -= 1;
  dom.styles -= 1;
}
for (const p of problems) fail(p);
if (!/default-src 'none'/.test(dom.csp) || !/script-src 'sha256-/.test(dom.csp) || !/style-src 'sha256-/.test(dom.csp))
  fail("no strict Content-Security-Policy: " + dom.csp);
if (!dom.filtersShown) fail("the filters stayed hidden: the inline script did not run under the policy");
if (dom.charts < 2 || dom.bars < 2 || dom.chartTitles !== dom.charts) fail(`charts missing: ${JSON.stringify(dom)}`);
if (dom.rows < 1 || dom.captions !== dom.tables) fail(`findings table or captions missing: ${JSON.stringify(dom)}`);
if (!dom.linksToInvoices || dom.invoiceLinks < 1 || dom.flagged < 1) fail("rows do not link to invoice sections with flagged lines");
if (dom.scripts !== 1 || dom.styles !== 1 || dom.elementsWithHandlers || dom.smuggled || dom.pwned !== null)
  fail(`markup from the book got into the page: ${JSON.stringify(dom)}`);
if (!sorted || !/ of \d+ findings/.test(sorted.shown)) fail("sorting or filtering failed: " + JSON.stringify(sorted));
if (zoomed.scroll > zoomed.width + 1) fail(`at 200% zoom the page scrolls sideways: ${JSON.stringify(zoomed)}`);
if (printNav !== "none") fail("the navigation is printed");
if (!pdf.data || pdf.data.length < 1000) fail("printing to PDF failed");

clearTimeout(deadline);
ws.close();
stopChromium();
console.log(JSON.stringify({ page, requests: requests.length, problems, dom, sorted, zoomed, pdfBytes: Math.floor((pdf.data.length * 3) / 4) }, null, 1));
if (failures.length) {
  for (const f of failures) console.log("FAIL: " + f);
  process.exit(1);
}
console.log("PASS");
process.exit(0);
