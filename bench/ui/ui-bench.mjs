// Web UI benchmark (bench/README.md, "Web UI"): first load on loopback, and the delay between a progress event
// being emitted by the server and it being shown in the page. Drives Debian's /usr/bin/chromium with the
// playwright-core package that the Microsoft.Playwright NuGet package ships (no browser download).
//   node bench/ui/ui-bench.mjs <server-url> <playwright-core dir> [runs]
import { createRequire } from "node:module";

const [url, pwDir, runsArg] = process.argv.slice(2);
const runs = Number(runsArg ?? 9);
const require = createRequire(import.meta.url);
const { chromium } = require(pwDir);
const user = process.env.BENCH_USER ?? "admin";
const password = process.env.BENCH_PASSWORD ?? "bench-password-1";

const median = a => { const s = [...a].sort((x, y) => x - y); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const fmt = a => `median ${median(a).toFixed(0)} ms, min ${Math.min(...a).toFixed(0)} ms, max ${Math.max(...a).toFixed(0)} ms (n=${a.length})`;

const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: ["--no-sandbox", "--disable-dev-shm-usage"] });
try {
  // 1. First load, cold cache (a new context per run): navigation start → the login form is rendered.
  const cold = [], warm = [], overview = [];
  for (let i = 0; i < runs + 1; i++) {
    const context = await browser.newContext({ locale: "en-US" });
    const page = await context.newPage();
    await page.goto(url, { waitUntil: "commit" });
    await page.waitForSelector("#login-title");
    const t = await page.evaluate(() => performance.now());
    if (i > 0) cold.push(t); // the first run warms the server and chromium itself
    await page.reload({ waitUntil: "commit" });
    await page.waitForSelector("#login-title");
    if (i > 0) warm.push(await page.evaluate(() => performance.now()));
    // Log in: submit → overview with the deployments list loaded.
    await page.fill("#username", user);
    await page.fill("#password", password);
    const start = Date.now();
    await page.click("button[type=submit]");
    await page.waitForSelector("#deps-title");
    await page.waitForFunction(() => !document.querySelector("main [role=status]"));
    if (i > 0) overview.push(Date.now() - start);
    await context.close();
  }
  console.log(`first load, cold cache (navigation → login form rendered): ${fmt(cold)}`);
  console.log(`reload, warm cache: ${fmt(warm)}`);
  console.log(`login → overview loaded: ${fmt(overview)}`);

  // 2. Progress latency: deploy demo-web once, then redeploy it from the detail page; every progress event shown
  //    is compared with its server timestamp (same machine, same clock).
  const context = await browser.newContext({ locale: "en-US" });
  const page = await context.newPage();
  await page.goto(url);
  await page.fill("#username", user);
  await page.fill("#password", password);
  await page.click("button[type=submit]");
  await page.waitForSelector("#deps-title");
  const port = 20000 + Math.floor(Math.random() * 20000);
  const name = `bench-ui-${Date.now().toString(36)}`;
  const deploymentId = await page.evaluate(async ({ name, port }) => {
    const csrf = await (await fetch("/api/auth/antiforgery")).json();
    const envs = await (await fetch("/api/environments")).json();
    const r = await fetch(`/api/environments/${envs.items[0].id}/deployments`, {
      method: "POST", headers: { "Content-Type": "application/json", [csrf.headerName]: csrf.token },
      body: JSON.stringify({ name, stackId: "demo:demo-web:web", version: "1.0.0", variables: { WEB_PORT: String(port) } }),
    });
    const body = await r.json();
    if (!r.ok) throw new Error(JSON.stringify(body));
    for (let i = 0; i < 600; i++) {
      const op = await (await fetch(`/api/operations/${body.operationId}`)).json();
      if (op.operation.status === "Succeeded") return body.deploymentId;
      if (["Failed", "Cancelled"].includes(op.operation.status)) throw new Error(JSON.stringify(op));
      await new Promise(res => setTimeout(res, 200));
    }
    throw new Error("deploy did not finish");
  }, { name, port });
  const latencies = [];
  try {
    await page.goto(`${url}/deployments/${deploymentId}`);
    await page.waitForSelector("[data-testid=services]");
    for (let i = 0; i < 3; i++) {
      await page.evaluate(() => {
        window.__lat = [];
        new MutationObserver(() => {
          const p = document.querySelector("[data-testid=progress]");
          const id = p?.getAttribute("data-event-id"), at = p?.getAttribute("data-event-at");
          if (id && at && !window.__lat.some(x => x.id === id)) window.__lat.push({ id, ms: Date.now() - Date.parse(at) });
        }).observe(document.body, { subtree: true, childList: true, attributes: true });
      });
      await page.click("text=Redeploy");
      await page.waitForSelector("[data-testid=progress-status]", { timeout: 120000 });
      latencies.push(...(await page.evaluate(() => window.__lat.map(x => x.ms))));
      await page.reload();
      await page.waitForSelector("[data-testid=services]");
    }
  } finally {
    await page.evaluate(async id => {
      const csrf = await (await fetch("/api/auth/antiforgery")).json();
      const r = await fetch(`/api/deployments/${id}`, { method: "DELETE", headers: { [csrf.headerName]: csrf.token } });
      const { operationId } = await r.json();
      // Removal is an operation: wait for it, or stopping the server would leave the containers behind.
      for (let i = 0; i < 600; i++) {
        const res = await fetch(`/api/operations/${operationId}`);
        if (!res.ok) return; // the removal took the deployment's history with it
        const op = await res.json();
        if (!["Pending", "Running"].includes(op.operation.status)) return;
        await new Promise(res => setTimeout(res, 200));
      }
    }, deploymentId);
  }
  console.log(`progress event emitted → shown in the page (3 redeploys): ${fmt(latencies)}`);
} finally {
  await browser.close();
}
