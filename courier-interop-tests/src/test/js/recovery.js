"use strict";
// Connection state recovery with the stock client, against a server with recovery on (the recovery
// contract: README, "Conformance", on the port of the main server + 1).
//
// A joins room "r" and receives one event (so it holds an offset). Its engine connection is then
// closed from the client side ("transport close", a recoverable reason) with a slow first retry, and
// while A is away B sends one event to "r" and one broadcast. When A's automatic reconnection
// arrives it must get the same socket id, `recovered === true`, its room back, and both missed
// events in order, each once, before anything newer. A fresh client must not be recovered.
//
// Env: COURIER_URL (the recovery server), COURIER_TRANSPORTS.
// Final line: {ok, mode, elapsedMs, transport, socketId, missed}

const { connect, waitConnect, waitFor, record, until, roundTrip, expectEqual, expect, run } = require("./lib");

run("recovery", 20000, async (ctx) => {
  ctx.step("connect A and B; A joins r and gets one event");
  // A retries slowly the first time, so B's events certainly happen while A is away
  const a = connect("/", { reconnectionDelay: 1000, reconnectionDelayMax: 1000, randomizationFactor: 0 });
  const b = connect("/");
  await Promise.all([waitConnect(a), waitConnect(b)]);
  const firstId = a.id;
  await a.emitWithAck("join", "r");
  const rooms = record(a, "room-message");
  const order = []; // every room-message / broadcast-back at A, in arrival order, by content
  a.onAny((event, ...args) => {
    if (event === "room-message") order.push(args[1]);
    if (event === "broadcast-back") order.push(args[0]);
  });
  await b.emitWithAck("to-room", "r", "one");
  await until(() => rooms.length === 1);
  expect(typeof rooms[0][2] === "string", `events carry an offset as last argument, got ${JSON.stringify(rooms[0])}`);

  ctx.step("close A's connection from the client side");
  const disconnected = waitFor(a, "disconnect");
  a.io.engine.transport.close();
  const [reason] = await disconnected;
  expectEqual(reason, "transport close", "disconnect reason of A");

  ctx.step("B sends while A is away");
  const reconnected = waitFor(a, "connect");
  await b.emitWithAck("to-room", "r", "two");
  await b.emitWithAck("broadcast", "three");

  ctx.step("A reconnects and is recovered");
  await reconnected;
  expectEqual(a.id, firstId, "socket id after recovery");
  expect(a.recovered === true, "socket.recovered is true after recovery");
  const who = await roundTrip(a); // anything sent to A before this answer has arrived
  expectEqual(order, ["one", "two", "three"], "events at A, in order, each once");
  expectEqual(who.recovered, true, "whoami.recovered");
  expect(who.rooms.includes("r"), `rooms restored, got ${JSON.stringify(who.rooms)}`);

  ctx.step("a new client is not recovered");
  const c = connect("/");
  await waitConnect(c);
  expect(c.recovered === false, "a fresh client is not recovered");

  return { transport: a.io.engine.transport.name, socketId: a.id, missed: order.length - 1 };
});
