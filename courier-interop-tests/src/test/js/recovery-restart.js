"use strict";
// Connection state recovery across a server restart (durable recovery store). The Java side
// restarts the server on the same port and data directory when this script prints
// {"phase":"restart"}.
//
// A joins "r" and gets one event; A's connection is closed from the client side with a slow retry;
// B sends one event to "r" while A is away; then the server restarts; A's reconnection to the new
// server process must be recovered: same socket id, `recovered`, and the missed event.
//
// Env: COURIER_URL, COURIER_TRANSPORTS.
// Final line: {ok, mode, elapsedMs, transport, socketId}

const { connect, waitConnect, waitFor, record, until, roundTrip, expectEqual, expect, run } = require("./lib");

run("recovery-restart", 40000, async (ctx) => {
  ctx.step("connect A and B; A joins r and gets one event");
  const a = connect("/", { reconnectionDelay: 3000, reconnectionDelayMax: 3000, randomizationFactor: 0 });
  const b = connect("/");
  await Promise.all([waitConnect(a), waitConnect(b)]);
  const firstId = a.id;
  const firstIdOfB = b.id;
  await a.emitWithAck("join", "r");
  await b.emitWithAck("join", "r"); // so B holds an offset too
  const rooms = record(a, "room-message");
  await b.emitWithAck("to-room", "r", "one");
  await until(() => rooms.length === 1);

  ctx.step("A goes away; B sends while A is away");
  const disconnected = waitFor(a, "disconnect");
  a.io.engine.transport.close();
  await disconnected;
  const reconnected = waitFor(a, "connect");
  await b.emitWithAck("to-room", "r", "two");

  ctx.step("the server restarts");
  console.log(JSON.stringify({ phase: "restart" }));

  ctx.step("A reconnects to the restarted server and is recovered");
  await reconnected;
  expectEqual(a.id, firstId, "socket id after recovery across the restart");
  expect(a.recovered === true, "socket.recovered after the restart");
  const who = await roundTrip(a);
  expectEqual(rooms.map((r) => r[1]), ["one", "two"], "room events at A, in order, each once");
  expect(who.rooms.includes("r"), `rooms restored, got ${JSON.stringify(who.rooms)}`);

  ctx.step("B, connected during the restart, is recovered too");
  await until(() => b.connected);
  expectEqual(b.id, firstIdOfB, "socket id of B after the restart");
  expect(b.recovered === true, "B recovered after a server shutdown");
  return { transport: a.io.engine.transport.name, socketId: a.id };
});
