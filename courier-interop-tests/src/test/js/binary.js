"use strict";
// Binary attachments both ways: top-level and nested buffers through the echo, a binary ack, and
// a 100 KB buffer (several WebSocket frames' worth; base64 inflates it to ~137 KB over polling,
// still under maxHttpBufferSize 1e6). Bytes are compared as hex so a mismatch prints readably.
//
// Env: COURIER_URL, COURIER_TRANSPORTS.
// Final line: {ok, mode, elapsedMs, transport, checks, largeBytes}

const crypto = require("node:crypto");
const { connect, waitFor, waitConnect, expectEqual, expect, hex, run } = require("./lib");

run("binary", 15000, async (ctx) => {
  ctx.step("connect /");
  const socket = connect("/");
  await waitConnect(socket);

  const top = Buffer.from([0x00, 0x01, 0x02, 0xff]);
  const nestedData = Buffer.from("nested \u00e9\u00e8", "utf8");
  const listItem = Buffer.from([0xde, 0xad, 0xbe, 0xef]);
  const large = crypto.randomBytes(100 * 1024);
  let checks = 0;

  ctx.step("message with top-level and nested buffers");
  const back = waitFor(socket, "message-back");
  socket.emit("message", top, { data: nestedData, list: [listItem], label: "x" });
  const [b0, b1] = await back;
  expectEqual(hex(b0), hex(top), "top-level buffer");
  expectEqual(hex(b1.data), hex(nestedData), "nested data buffer");
  expect(Array.isArray(b1.list) && b1.list.length === 1, `nested list: ${JSON.stringify(b1.list)}`);
  expectEqual(hex(b1.list[0]), hex(listItem), "nested list buffer");
  expectEqual(b1.label, "x", "plain field next to buffers");
  checks++;

  ctx.step("message-with-ack with binary");
  const acked = await new Promise((resolve) =>
    socket.emit("message-with-ack", top, { data: nestedData }, (...a) => resolve(a)),
  );
  expectEqual(acked.length, 2, "binary ack arg count");
  expectEqual(hex(acked[0]), hex(top), "binary ack top-level buffer");
  expectEqual(hex(acked[1].data), hex(nestedData), "binary ack nested buffer");
  checks++;

  ctx.step("message with a 100 KB buffer");
  const bigBack = waitFor(socket, "message-back");
  socket.emit("message", large);
  const [bigEcho] = await bigBack;
  expectEqual(hex(bigEcho), hex(large), "100 KB buffer echo");
  checks++;

  ctx.step("message-with-ack with a 100 KB buffer");
  const bigAck = await socket.emitWithAck("message-with-ack", large);
  expectEqual(hex(bigAck), hex(large), "100 KB buffer ack");
  checks++;

  return { transport: socket.io.engine.transport.name, checks, largeBytes: large.length };
});
