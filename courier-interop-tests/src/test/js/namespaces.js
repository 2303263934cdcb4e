"use strict";
// Namespaces, middleware refusal and multiplexing, all over ONE engine connection (one Manager):
// `/custom` with auth, a refused `/random` and `/private`, `/private` again with the right token,
// then `/`. Sharing the engine also checks that a CONNECT_ERROR leaves the engine session open
// and that leaving `/custom` does not disturb `/`.
//
// Env: COURIER_URL, COURIER_TRANSPORTS.
// Final line: {ok, mode, elapsedMs, transport, engineId, socketIds: {"/", "/custom", "/private"}}

const { manager, waitFor, waitConnect, waitConnectError, expectEqual, expect, run } = require("./lib");

run("namespaces", 15000, async (ctx) => {
  const m = manager();

  ctx.step("connect /custom with auth");
  const custom = m.socket("/custom", { auth: { token: "abc" } });
  const customAuth = waitFor(custom, "auth");
  await waitConnect(custom);
  expectEqual(await customAuth, [{ token: "abc" }], "/custom auth event args");
  const engineId = m.engine.id;

  ctx.step("connect /random (unknown namespace)");
  const random = m.socket("/random");
  const randomErr = await waitConnectError(random);
  expectEqual(randomErr.message, "Invalid namespace", "/random connect_error message");

  ctx.step("connect /private without token");
  const priv = m.socket("/private");
  const privErr = await waitConnectError(priv);
  expectEqual(privErr.message, "unauthorized", "/private connect_error message");
  expectEqual(privErr.data, { reason: "invalid token" }, "/private connect_error data");

  // The client does not retry a refused namespace by itself; the documented way to try again with
  // new credentials is to set `auth` and call connect() on the same socket.
  ctx.step("connect /private with token");
  priv.auth = { token: "secret" };
  const privAuth = waitFor(priv, "auth");
  priv.connect();
  await waitConnect(priv);
  expectEqual(await privAuth, [{ token: "secret" }], "/private auth event args");

  ctx.step("connect / on the same manager");
  const main = m.socket("/", { auth: { token: "main" } });
  const mainAuth = waitFor(main, "auth");
  await waitConnect(main);
  expectEqual(await mainAuth, [{ token: "main" }], "/ auth event args");

  ctx.step("multiplexing checks");
  expect(main.io === custom.io && priv.io === custom.io, "namespaces should share one Manager");
  expectEqual(m.engine.id, engineId, "engine id after the refusals (engine must stay open)");
  const ids = new Set([main.id, custom.id, priv.id, engineId]);
  expect(ids.size === 4, `socket ids must differ per namespace and from the engine id: ${[...ids]}`);
  const socketIds = { "/": main.id, "/custom": custom.id, "/private": priv.id };

  ctx.step("disconnect /custom");
  custom.disconnect();

  ctx.step("/ still works after /custom left");
  const args = ["still", "here", 1];
  const back = waitFor(main, "message-back");
  main.emit("message", ...args);
  expectEqual(await back, args, "message-back on / after /custom left");
  const me = await main.emitWithAck("whoami");
  expectEqual(me.id, main.id, "whoami id on /");
  expectEqual(m.engine.id, engineId, "engine id after /custom left");
  expect(main.connected && priv.connected && !custom.connected, "connection states after /custom left");

  return { transport: m.engine.transport.name, engineId, socketIds };
});
