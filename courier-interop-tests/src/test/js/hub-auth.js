"use strict";
// The hub with a JWT secret and channel rules (the Java side writes courier.yml and starts the
// server process; the rules are in HubAuthIT). Tokens are HS256, signed here with node:crypto, so
// the server checks tokens minted by another implementation.
//
// Env: COURIER_URL, COURIER_TRANSPORTS, JWT_SECRET.
// Final line: {ok, mode, elapsedMs}

const crypto = require("node:crypto");
const { connect, waitConnect, waitConnectError, waitFor, until, expectEqual, expect, run } = require("./lib");

const b64 = (value) => Buffer.from(JSON.stringify(value)).toString("base64url");
const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;
function token(claims, secret = process.env.JWT_SECRET) {
  const head = `${b64({ alg: "HS256", typ: "JWT" })}.${b64(claims)}`;
  return `${head}.${crypto.createHmac("sha256", secret).update(head).digest("base64url")}`;
}

run("hub-auth", 60000, async (ctx) => {
  ctx.step("no token, a forged token, an expired token, no exp, a padded signature: refused with a reason");
  const valid = token({ sub: "x", exp: inAnHour() });
  for (const [auth, reason] of [
    [{}, "no token"],
    [{ clientId: "driver-9" }, "no token"],
    [{ token: token({ sub: "x", exp: inAnHour() }, "not-the-secret") }, "bad token signature"],
    [{ token: token({ sub: "x", exp: Math.floor(Date.now() / 1000) - 3600 }) }, "token expired"],
    [{ token: token({ sub: "x" }) }, "token has no exp"],
    [{ token: `${valid}=` }, "not canonical"],
  ]) {
    const err = await waitConnectError(connect("/", { auth, reconnection: false }));
    expectEqual(err.message, "unauthorized", "connect_error message");
    expect(err.data && err.data.reason.includes(reason), `reason ${JSON.stringify(err.data)} has "${reason}"`);
  }

  ctx.step("a driver's token: what its claims grant, and no more");
  const driverAuth = { token: token({ sub: "driver-9", channels: ["parcels.*"], publish: ["parcels.east"], exp: inAnHour() }) };
  const driver = connect("/", { auth: driverAuth });
  await waitConnect(driver);
  const got = [];
  driver.on("pickup", (n, meta, ack) => {
    got.push({ n, meta });
    if (typeof ack === "function") ack();
  });
  const news = [];
  driver.on("headline", (...args) => news.push({ text: args[0], meta: args[1], count: args.length }));
  expectEqual(await driver.emitWithAck("subscribe", "parcels.east"), { ok: true, channel: "parcels.east", window: 256 }, "sub");
  expectEqual(await driver.emitWithAck("subscribe", "news"), { ok: true, channel: "news" }, "sub news");
  const refused = async (what, args, reason) => {
    const reply = await driver.emitWithAck(what, ...args);
    expect(reply.ok === false && reply.error.includes(reason), `${what} ${args[0]}: ${JSON.stringify(reply)}`);
  };
  await refused("subscribe", ["secret"], "unknown channel");
  await refused("subscribe", ["@driver-9"], "direct channels");
  await refused("publish", ["parcels.west", "pickup", 1], "does not grant");
  await refused("publish", ["news", "headline", "x"], "not allowed to publish");
  const published = await driver.emitWithAck("publish", "parcels.east", "pickup", 1);
  expect(published.ok === true, `publish granted: ${JSON.stringify(published)}`);
  await until(() => got.length === 1);

  ctx.step("a vendor whose token grants no channel cannot subscribe to token channels");
  const vendor = connect("/", { auth: { token: token({ sub: "vendor-1", publish: ["parcels.*"], exp: inAnHour() }) } });
  await waitConnect(vendor);
  const vendorSub = await vendor.emitWithAck("subscribe", "parcels.east");
  expect(vendorSub.ok === false, `vendor subscribe refused: ${JSON.stringify(vendorSub)}`);

  ctx.step("the driver's durable subscription holds while it is away");
  driver.disconnect();
  for (let n = 2; n <= 4; n++) {
    const r = await vendor.emitWithAck("publish", "parcels.east", "pickup", n);
    expect(r.ok === true, `vendor publish ${n}: ${JSON.stringify(r)}`);
  }
  driver.connect();
  await until(() => got.length === 4);
  expectEqual(got.map((g) => g.n), [1, 2, 3, 4], "parcels in order, the missed ones after the reconnect");

  ctx.step("a channel that is not durable: only the backend publishes, live only");
  // a subscription to a channel that is not durable lasts as long as the connection: subscribe again
  expectEqual(await driver.emitWithAck("subscribe", "news"), { ok: true, channel: "news" }, "sub news again");
  ctx.phase({ phase: "publish-news" });
  await until(() => news.length === 1);
  expectEqual(news[0].text, "extra", "headline");
  expectEqual(news[0].count, 2, "the published args and {channel, id, seq}, nothing else (no recovery offset)");
  expectEqual(news[0].meta.seq, 0, "no seq on a channel that is not durable");
  expect(typeof news[0].meta.id === "string" && news[0].meta.id.length > 0, "an id all the same");

  ctx.step("a token that expires ends its connection: courier:token-expired, then io server disconnect");
  // exp 28 s ago is still accepted (30 s of clock skew allowed): it runs out about 2 s after connecting
  const brief = connect("/", { auth: { token: token({ sub: "driver-10", exp: Math.floor(Date.now() / 1000) - 28 }) } });
  const expired = waitFor(brief, "courier:token-expired");
  const ended = waitFor(brief, "disconnect");
  await waitConnect(brief);
  expectEqual(await brief.emitWithAck("subscribe", "news"), { ok: true, channel: "news" }, "connected until then");
  expectEqual((await expired)[0], { reason: "token expired" }, "told why");
  expectEqual((await ended)[0], "io server disconnect", "disconnected by the server");
  await until(() => brief.io._readyState === "closed");
  expect(!brief.connected, "the connection is gone, and not retried with the dead token");
  return {};
});
