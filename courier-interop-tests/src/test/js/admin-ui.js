"use strict";
// The /admin namespace against the server-side expectations of the official Socket.IO Admin UI
// (@socket.io/admin-ui, its test/index.ts): basic auth with a session id, config, all_sockets,
// socket_connected (with the handshake fields the UI reads), room_joined / room_left,
// event_received, the administrative tasks (emit, join, leave, _disconnect), socket_disconnected and
// server_stats. The server runs with --admin-password secret.
//
// Env: COURIER_URL, COURIER_TRANSPORTS.
// Final line: {ok, mode, elapsedMs, features}

const { connect, waitConnect, waitConnectError, waitFor, until, expectEqual, expect, run } = require("./lib");

run("admin-ui", 60000, async (ctx) => {
  ctx.step("anonymous and wrong credentials are refused");
  for (const auth of [{}, { username: "admin", password: "wrong" }, { sessionId: "made-up" }]) {
    const err = await waitConnectError(connect("/admin", { auth, reconnection: false }));
    expectEqual(err.message, "invalid credentials", `refusal for ${JSON.stringify(auth)}`);
  }

  ctx.step("the right credentials: session, config, all_sockets");
  const admin = connect("/admin", { auth: { username: "admin", password: "secret" } });
  const session = waitFor(admin, "session");
  const config = waitFor(admin, "config");
  const all = waitFor(admin, "all_sockets");
  await waitConnect(admin);
  const [sessionId] = await session;
  expect(typeof sessionId === "string" && sessionId.length >= 16, `session id ${sessionId}`);
  const [{ supportedFeatures }] = await config;
  for (const f of ["EMIT", "JOIN", "LEAVE", "DISCONNECT", "MJOIN", "MLEAVE", "MDISCONNECT", "AGGREGATED_EVENTS", "ALL_EVENTS"]) {
    expect(supportedFeatures.includes(f), `feature ${f} in ${JSON.stringify(supportedFeatures)}`);
  }
  const [sockets] = await all;
  expect(sockets.some((s) => s.id === admin.id && s.nsp === "/admin"), "all_sockets lists the admin socket");

  ctx.step("a client connects: socket_connected with its handshake, room_joined for its own room");
  const events = [];
  for (const name of ["socket_connected", "room_joined", "room_left", "socket_disconnected", "event_received"]) {
    admin.on(name, (...args) => events.push([name, ...args]));
  }
  const client = connect("/");
  await waitConnect(client);
  await until(() => events.some((e) => e[0] === "socket_connected" && e[1].id === client.id));
  const [, serialized] = events.find((e) => e[0] === "socket_connected" && e[1].id === client.id);
  expectEqual(serialized.nsp, "/", "nsp");
  expectEqual(
    Object.keys(serialized.handshake).sort(),
    ["address", "headers", "issued", "query", "secure", "time", "url", "xdomain"],
    "handshake fields",
  );
  expect(serialized.rooms.includes(client.id), "its own room");
  expect(typeof serialized.clientId === "string" && serialized.transport, "clientId and transport");

  ctx.step("administrative tasks: emit, join, leave");
  const hello = waitFor(client, "hello");
  admin.emit("emit", "/", client.id, "hello", "world");
  expectEqual((await hello)[0], "world", "emitted by the admin");
  admin.emit("join", "/", "room1", client.id);
  await until(() => events.some((e) => e[0] === "room_joined" && e[2] === "room1" && e[3] === client.id));
  admin.emit("leave", "/", "room1", client.id);
  await until(() => events.some((e) => e[0] === "room_left" && e[2] === "room1" && e[3] === client.id));

  ctx.step("event_received for what a client sends");
  await client.emitWithAck("subscribe", "parcels");
  await until(() => events.some((e) => e[0] === "event_received" && e[2] === client.id));
  const [, nsp, , args] = events.find((e) => e[0] === "event_received" && e[2] === client.id);
  expectEqual([nsp, args], ["/", ["subscribe", "parcels"]], "event_received");

  ctx.step("_disconnect, then socket_disconnected");
  const gone = waitFor(client, "disconnect");
  const id = client.id;
  admin.emit("_disconnect", "/", false, id);
  expectEqual((await gone)[0], "io server disconnect", "client told");
  await until(() => events.some((e) => e[0] === "socket_disconnected" && e[2] === id));

  ctx.step("server_stats");
  const [stats] = await waitFor(admin, "server_stats");
  for (const key of ["serverId", "hostname", "pid", "uptime", "clientsCount", "pollingClientsCount", "aggregatedEvents", "namespaces"]) {
    expect(key in stats, `server_stats.${key}`);
  }
  expect(stats.namespaces.some((n) => n.name === "/admin" && n.socketsCount >= 1), "namespaces with counts");
  expect(Array.isArray(stats.aggregatedEvents), "aggregatedEvents");

  ctx.step("a second connection with the session id");
  const again = connect("/admin", { auth: { sessionId } });
  await waitConnect(again);
  return { features: supportedFeatures.length };
});
