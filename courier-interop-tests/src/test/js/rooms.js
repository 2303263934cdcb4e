"use strict";
// Rooms, broadcast and direct messages across three clients A, B and C, each on its own engine.
//
// "X did not receive" is checked without sleeping: the server handles a client's events in order,
// so after the sender's ack, a whoami round trip by X returns only after anything the server had
// sent X earlier. Positive deliveries to other clients are awaited (they travel on other
// connections, so the sender's ack does not order them).
//
// Env: COURIER_URL, COURIER_TRANSPORTS.
// Final line: {ok, mode, elapsedMs, transport, received: {A, B, C}} (event counts per client)

const { connect, waitConnect, record, until, roundTrip, expectEqual, run } = require("./lib");

run("rooms", 15000, async (ctx) => {
  ctx.step("connect A, B, C");
  const names = ["A", "B", "C"];
  const sockets = names.map(() => connect("/"));
  await Promise.all(sockets.map(waitConnect));
  const [a, b, c] = sockets;
  const log = {};
  for (const [i, name] of names.entries()) {
    log[name] = {
      room: record(sockets[i], "room-message"),
      broadcast: record(sockets[i], "broadcast-back"),
      direct: record(sockets[i], "direct-message"),
    };
  }
  // Waits until each receiver has its expected `kind` events, then proves nobody has more than
  // expected: a round trip per client, then compare the full lists.
  const expectDelivery = async (kind, receivers, expected) => {
    await until(() => receivers.every((n) => log[n][kind].length >= expected[n].length));
    const others = names.filter((n) => !receivers.includes(n));
    await Promise.all(others.map((n) => roundTrip(sockets[names.indexOf(n)])));
    await Promise.all(receivers.map((n) => roundTrip(sockets[names.indexOf(n)])));
    for (const n of names) expectEqual(log[n][kind], expected[n] || [], `${kind} events at ${n}`);
  };

  ctx.step("A and B join r1");
  await Promise.all([a.emitWithAck("join", "r1"), b.emitWithAck("join", "r1")]);
  const roomsOfA = await roundTrip(a);
  expectEqual(roomsOfA.rooms, [a.id, "r1"].sort(), "whoami rooms of A after join");

  ctx.step("C sends to r1 (A and B joined)");
  await c.emitWithAck("to-room", "r1", "hi");
  await expectDelivery("room", ["A", "B"], { A: [["r1", "hi"]], B: [["r1", "hi"]] });

  ctx.step("A leaves r1, C sends again");
  await a.emitWithAck("leave", "r1");
  expectEqual((await roundTrip(a)).rooms, [a.id], "whoami rooms of A after leave");
  await c.emitWithAck("to-room", "r1", "again", { n: 2 });
  await expectDelivery("room", ["B"], {
    A: [["r1", "hi"]],
    B: [["r1", "hi"], ["r1", "again", { n: 2 }]],
  });

  ctx.step("A broadcasts");
  await a.emitWithAck("broadcast", "all", 3);
  const everyone = [["all", 3]];
  await expectDelivery("broadcast", names, { A: everyone, B: everyone, C: everyone });

  ctx.step("A sends to B's socket id");
  await a.emitWithAck("to-socket", b.id, "psst", { from: "A" });
  await expectDelivery("direct", ["B"], { B: [["psst", { from: "A" }]] });

  // Nothing stray of the other kinds (a room message leaking as a direct one, etc.).
  ctx.step("final tallies");
  expectEqual(log.C.room.length + log.C.direct.length + log.A.direct.length, 0, "stray events at A/C");

  const received = {};
  for (const n of names) {
    received[n] = { room: log[n].room.length, broadcast: log[n].broadcast.length, direct: log[n].direct.length };
  }
  return { transport: a.io.engine.transport.name, received };
});
