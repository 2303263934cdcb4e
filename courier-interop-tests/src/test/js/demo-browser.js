"use strict";
// The demo page at / in real headless Chromium (Debian's chromium driven by playwright-core): the
// vendor publishes a pickup, the driver receives it; the driver goes offline, three pickups are
// published, the driver comes back online and gets the three it missed, in order, each once.
// Saves a screenshot to COURIER_SCREENSHOT (a build artifact, never committed).
//
// Env: COURIER_URL, CHROMIUM (default /usr/bin/chromium), COURIER_SCREENSHOT.
// Final line: {ok, mode, elapsedMs, pickups}

const { chromium } = require("playwright-core");
const { expectEqual, run } = require("./lib");

run("demo-browser", 90000, async (ctx) => {
  ctx.step("launch chromium");
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-sync"],
  });
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    const url = process.env.COURIER_URL + "/?driver=driver-" + Date.now();
    await page.goto(url);

    ctx.step("both panels come online");
    await page.waitForFunction(() => document.getElementById("vendor-status").textContent === "online");
    await page.waitForFunction(() => document.getElementById("driver-status").textContent.startsWith("online as"));

    const publish = async (parcel, count) => {
      await page.fill("#parcel", parcel);
      await page.click("#publish-button");
      await page.waitForFunction(
        (n) => document.querySelectorAll("#published li").length === n && !/refused/.test(document.body.innerText),
        count,
      );
    };
    const pickups = () => page.$$eval("#pickups li", (items) => items.map((li) => li.firstChild.textContent.trim()));

    ctx.step("a pickup reaches the online driver");
    await publish("P1 two boxes to Elm St 4", 1);
    await page.waitForFunction(() => document.querySelectorAll("#pickups li").length === 1);

    ctx.step("the driver goes offline; three pickups are published");
    await page.click("#toggle");
    await page.waitForFunction(() => document.getElementById("driver-status").textContent.startsWith("offline"));
    await publish("P2 a crate to Oak Rd 9", 2);
    await publish("P3 letters to Pine Ave 1", 3);
    await publish("P4 a bike to Birch Ln 12", 4);
    expectEqual((await pickups()).length, 1, "nothing reaches the driver while offline");

    ctx.step("back online: the missed pickups arrive, in order, once");
    await page.click("#toggle");
    await page.waitForFunction(() => document.querySelectorAll("#pickups li").length === 4);
    expectEqual(
      await pickups(),
      ["P1 two boxes to Elm St 4", "P2 a crate to Oak Rd 9", "P3 letters to Pine Ave 1", "P4 a bike to Birch Ln 12"],
      "pickups at the driver",
    );
    if (process.env.COURIER_SCREENSHOT) await page.screenshot({ path: process.env.COURIER_SCREENSHOT, fullPage: true });
    expectEqual(errors, [], "page errors");
    return { pickups: (await pickups()).length };
  } finally {
    await browser.close();
  }
});
