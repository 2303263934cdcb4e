"use strict";
// Server-to-client acks: the server asks the client for an ack (`please-ack`) and reports what the
// client answered (`ack-received`), so the server's ack-id bookkeeping is checked from outside.
//
// Env: COURIER_URL, COURIER_TRANSPORTS.
// Final line: {ok, mode, elapsedMs, transport, rounds}

const { connect, waitFor, waitConnect, expectEqual, expect, run } = require("./lib");

run("server-acks", 15000, async (ctx) => {
  ctx.step("connect /");
  const socket = connect("/");
  await waitConnect(socket);

  // Two rounds, so a server that reuses or mis-numbers ack ids shows up on the second one.
  const rounds = [
    { request: ["x", 42], reply: ["reply", { n: 1 }] },
    { request: [{ nested: [1, 2] }], reply: ["second", { n: 2 }, null] },
  ];
  for (const [i, round] of rounds.entries()) {
    ctx.step(`round ${i}: please-ack`);
    const please = waitFor(socket, "please-ack");
    socket.emit("request-ack", ...round.request);
    const args = await please;
    const ack = args.pop();
    expect(typeof ack === "function", `please-ack came without an ack callback: ${JSON.stringify(args)}`);
    expectEqual(args, round.request, "please-ack args");

    ctx.step(`round ${i}: ack-received`);
    const received = waitFor(socket, "ack-received");
    ack(...round.reply);
    expectEqual(await received, round.reply, "ack-received args");
  }

  return { transport: socket.io.engine.transport.name, rounds: rounds.length };
});
