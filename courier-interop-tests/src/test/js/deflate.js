"use strict";
// permessage-deflate as the official client sees it (Node's `ws` offers the extension by default).
// The server answers "stats" with its counters of messages sent compressed and compressed messages
// received; each step reads them after its message has arrived, so the Java side can tell which
// step's message went out compressed. Steps: a big direct emit, the same with compress(false), a
// big broadcast, the same with compress(false), a big upload from the client.
//
// Env: COURIER_URL, COURIER_TRANSPORTS, DEFLATE_SIZE (characters of the big payloads).
// Final line: {ok, mode, elapsedMs, transport, extensions, counters: {start, direct, directRaw,
//   broadcast, broadcastRaw, upload}}

const { connect, waitFor, waitConnect, waitUpgrade, expectEqual, run } = require("./lib");

run("deflate", 15000, async (ctx) => {
  const size = Number(process.env.DEFLATE_SIZE || "20000");
  ctx.step("connect /");
  const socket = connect("/");
  await waitConnect(socket);
  if (socket.io.engine.transport.name !== "websocket") {
    ctx.step("wait for the upgrade");
    await waitUpgrade(socket);
  }
  const ws = socket.io.engine.transport.ws;
  const extensions = ws.extensions; // the negotiated Sec-WebSocket-Extensions, "" when none
  const counters = { start: await socket.emitWithAck("stats") };

  const steps = [
    ["direct", "big"],
    ["directRaw", "big-raw"],
    ["broadcast", "big-broadcast"],
    ["broadcastRaw", "big-broadcast-raw"],
  ];
  for (const [name, event] of steps) {
    ctx.step(name);
    const back = waitFor(socket, "big-back");
    socket.emit(event, size);
    const [payload] = await back;
    expectEqual(payload.length, size, `${name}: payload length`);
    counters[name] = await socket.emitWithAck("stats");
  }

  ctx.step("upload");
  const received = await socket.emitWithAck("upload", "y".repeat(size));
  expectEqual(received, size, "upload: length the server received");
  counters.upload = await socket.emitWithAck("stats");

  return { transport: socket.io.engine.transport.name, extensions, counters };
});
