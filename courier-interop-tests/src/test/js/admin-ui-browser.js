"use strict";
// The official Socket.IO Admin UI page (@socket.io/admin-ui's built ui/dist, served here on its own
// origin) in real headless Chromium (Debian's chromium driven by playwright-core), connecting to the
// hub over HTTP long-polling only: the UI's client sets withCredentials, so the browser reads a
// polling response only if it carries Access-Control-Allow-Credentials: true and the page's own
// origin (never *). WebSocket is refused in the browser so that polling has to carry it all.
//
// Env: COURIER_URL (the hub), UI_PORT (where this script serves the UI; the hub allows that origin),
//      EXPECT (connected: the hub runs with --cors-credentials; refused: without it), CHROMIUM.
// Final line: {ok, mode, elapsedMs, polls}

const http = require("node:http");
const fs = require("node:fs");
const path = require("node:path");
const { chromium } = require("playwright-core");
const { expect, expectEqual, run } = require("./lib");

const root = path.join(path.dirname(require.resolve("@socket.io/admin-ui/package.json")), "ui", "dist");
const types = { ".html": "text/html", ".js": "application/javascript", ".css": "text/css", ".png": "image/png" };

function serveUi(port) {
  const server = http.createServer((req, res) => {
    const wanted = path.join(root, decodeURIComponent(new URL(req.url, "http://ui").pathname));
    const file = wanted.endsWith(path.sep) ? path.join(wanted, "index.html") : wanted;
    if (!file.startsWith(root + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { "content-type": types[path.extname(file)] || "application/octet-stream" });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(server)));
}

run("admin-ui-browser", 90000, async (ctx) => {
  const hub = process.env.COURIER_URL;
  const uiOrigin = `http://127.0.0.1:${process.env.UI_PORT}`;
  const expected = process.env.EXPECT || "connected";
  ctx.step("serve the UI and launch chromium");
  const ui = await serveUi(Number(process.env.UI_PORT));
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-sync"],
  });
  try {
    const page = await browser.newPage();
    // offline: the page's web fonts and icons from CDNs are not needed
    await page.route("**/*", (r) => (r.request().url().startsWith("http://127.0.0.1") ? r.continue() : r.abort()));
    await page.routeWebSocket(/.*/, (ws) => ws.close());
    const polls = [];
    page.on("response", async (r) => {
      if (r.url().startsWith(hub + "/socket.io/") && r.url().includes("transport=polling")) {
        polls.push({ status: r.status(), headers: await r.allHeaders() });
      }
    });
    await page.goto(uiOrigin + "/");

    ctx.step("fill in the connection form: server URL, admin, password");
    await page.getByLabel("Server URL").fill(hub);
    await page.getByLabel("Username").fill("admin");
    await page.getByLabel("Password").fill("secret");
    await page.getByRole("button", { name: "Connect" }).click();

    if (expected === "connected") {
      ctx.step("the UI connects and shows the hub's clients, over long-polling");
      await page.waitForFunction(() => /Status:\s*CONNECTED/.test(document.body.innerText));
      await page.waitForFunction(() => /HTTP long-polling\s*1\b/.test(document.body.innerText));
      expect(polls.length >= 2, `polling responses seen: ${polls.length}`);
      for (const p of polls) {
        expectEqual(p.headers["access-control-allow-credentials"], "true", "Access-Control-Allow-Credentials");
        expectEqual(p.headers["access-control-allow-origin"], uiOrigin, "the page's own origin, never *");
      }
    } else {
      ctx.step("without credentials allowed the browser withholds the hub's answers: the UI cannot connect");
      await page.waitForFunction(() => /xhr poll error/.test(document.body.innerText));
      expect(!/Status:\s*CONNECTED/.test(await page.evaluate(() => document.body.innerText)), "not connected");
      expect(
        polls.every((p) => !p.headers["access-control-allow-credentials"]),
        `no Access-Control-Allow-Credentials: ${JSON.stringify(polls)}`,
      );
    }
    return { polls: polls.length };
  } finally {
    await browser.close();
    ui.close();
  }
});
