"use strict";
// The Socket.IO half of the official test suite (socketio/socket.io-protocol, test-suite/test-suite.js,
// describe("Socket.IO protocol")), replayed over the wire format of socket.io-msgpack-parser against the
// conformance contract served with the msgpack parser (`./courier conformance --parser msgpack`). Same
// scenarios, same checks, translated: every Socket.IO packet is one binary WebSocket frame holding the msgpack
// of {type, data, id, nsp}, written and read here by the official parser's own Encoder and Decoder (so whatever
// the server sends must pass the parser's checks), and binary stays inside the packet (type 2/3, never 5/6).
// Raw WebSocket frames, no socket.io-client: the suite tests the wire, not a client.
//
// Differences from the suite, none in what is checked: pings are answered (the suite's scenarios end before
// the heartbeat matters; MsgPackParserIT's server has a long pingTimeout instead of a tight one, see Unhurried),
// and the invalid-format cases use what is invalid in this format (a type out of range, a map where the event
// array belongs, a string ack id, a text frame, bytes that are not msgpack).
//
// Env: COURIER_URL. Final line: {ok, elapsedMs, scenarios}

const WebSocket = require("ws");
const { Encoder, Decoder } = require("socket.io-msgpack-parser");
const { expectEqual, expect, run } = require("./lib");

const WS_URL = `${process.env.COURIER_URL.replace(/^http/, "ws").replace(/\/+$/, "")}/socket.io/?EIO=4&transport=websocket`;
const encoder = new Encoder();

/** The official parser's decoding of one frame; throws what its checkPacket throws. */
function decode(bytes) {
  const decoder = new Decoder();
  let packet;
  decoder.on("decoded", (p) => (packet = p));
  decoder.add(bytes);
  return packet;
}

/**
 * A raw Engine.IO WebSocket: frames queue up until read; pings are answered and left out of `next()` unless
 * asked for with `nextFrame()`.
 */
class RawSocket {
  constructor() {
    this.frames = [];
    this.waiting = null;
    this.closed = false;
    this.ws = new WebSocket(WS_URL);
    this.ws.on("message", (data, isBinary) => {
      const frame = { binary: isBinary, data: isBinary ? data : data.toString() };
      if (!isBinary && frame.data === "2") this.ws.send("3");
      this.frames.push(frame);
      this.wake();
    });
    this.ws.on("close", () => {
      this.closed = true;
      this.wake();
    });
    this.ws.on("error", () => {}); // a refused or reset connection shows up as close
  }

  wake() {
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = null;
      w();
    }
  }

  /** The next frame, pings included. */
  async nextFrame() {
    while (this.frames.length === 0) {
      if (this.closed) throw new Error("the connection closed while a frame was expected");
      await new Promise((resolve) => (this.waiting = resolve));
    }
    return this.frames.shift();
  }

  /** The next Socket.IO packet (a binary frame, decoded by the official parser), skipping pings. */
  async next() {
    for (;;) {
      const f = await this.nextFrame();
      if (!f.binary && f.data === "2") continue;
      expect(f.binary, `expected a binary frame (a msgpack packet), got text ${JSON.stringify(f.data)}`);
      return decode(f.data);
    }
  }

  /** Resolves once the server closed the connection. */
  async closes() {
    while (!this.closed) await new Promise((resolve) => (this.waiting = resolve));
  }

  send(packet) {
    this.ws.send(encoder.encode(packet)[0]);
  }

  sendRaw(data) {
    this.ws.send(data);
  }

  close() {
    this.ws.terminate();
  }
}

const opened = [];

/** After the Engine.IO handshake (the open packet, a text frame). */
async function open() {
  const s = new RawSocket();
  opened.push(s);
  const handshake = await s.nextFrame();
  expect(!handshake.binary && handshake.data.startsWith("0{"), `expected the open packet, got ${handshake.data}`);
  return s;
}

/** The suite's initSocketIOConnection: connected to "/", the CONNECT reply and the "auth" event read. */
async function connected() {
  const s = await open();
  s.send({ type: 0, data: undefined, nsp: "/" }); // what io() sends without auth
  await s.next();
  await s.next();
  return s;
}

/** The CONNECT reply: exactly {type: 0, data: {sid}, nsp}. */
function expectConnectReply(packet, nsp) {
  expectEqual(Object.keys(packet).sort(), ["data", "nsp", "type"], "CONNECT reply keys");
  expectEqual(packet.type, 0, "CONNECT reply type");
  expectEqual(packet.nsp, nsp, "CONNECT reply namespace");
  expectEqual(Object.keys(packet.data), ["sid"], "CONNECT reply data keys");
  expect(typeof packet.data.sid === "string", `sid is not a string: ${JSON.stringify(packet.data)}`);
}

run("msgpack-protocol", 60000, async (ctx) => {
  let scenarios = 0;
  const scenario = async (name, body) => {
    ctx.step(name);
    await body();
    scenarios++;
  };

  // describe("connect")
  await scenario("should allow connection to the main namespace", async () => {
    const s = await open();
    s.send({ type: 0, data: undefined, nsp: "/" });
    expectConnectReply(await s.next(), "/");
    expectEqual(await s.next(), { type: 2, data: ["auth", {}], nsp: "/" }, "auth packet");
  });
  await scenario("should allow connection to the main namespace with a payload", async () => {
    const s = await open();
    s.send({ type: 0, data: { token: "123" }, nsp: "/" });
    expectConnectReply(await s.next(), "/");
    expectEqual(await s.next(), { type: 2, data: ["auth", { token: "123" }], nsp: "/" }, "auth packet");
  });
  await scenario("should allow connection to a custom namespace", async () => {
    const s = await open();
    s.send({ type: 0, nsp: "/custom" });
    expectConnectReply(await s.next(), "/custom");
    expectEqual(await s.next(), { type: 2, data: ["auth", {}], nsp: "/custom" }, "auth packet");
  });
  await scenario("should allow connection to a custom namespace with a payload", async () => {
    const s = await open();
    s.send({ type: 0, data: { token: "abc" }, nsp: "/custom" });
    expectConnectReply(await s.next(), "/custom");
    expectEqual(await s.next(), { type: 2, data: ["auth", { token: "abc" }], nsp: "/custom" }, "auth packet");
  });
  await scenario("should disallow connection to an unknown namespace", async () => {
    const s = await open();
    s.send({ type: 0, nsp: "/random" });
    expectEqual(await s.next(), { type: 4, data: { message: "Invalid namespace" }, nsp: "/random" }, "CONNECT_ERROR");
  });
  await scenario("should disallow connection with an invalid handshake (not msgpack)", async () => {
    const s = await open();
    s.sendRaw(Buffer.from([0xc1, 0x61, 0x62, 0x63]));
    await s.closes();
  });
  await scenario("should disallow connection with an invalid handshake (the text format's CONNECT)", async () => {
    const s = await open();
    s.sendRaw("40");
    await s.closes();
  });
  await scenario("should close the connection if no handshake is received", async () => {
    const s = await open();
    await s.closes();
  });

  // describe("disconnect")
  await scenario("should disconnect from the main namespace", async () => {
    const s = await connected();
    s.send({ type: 1, nsp: "/" });
    const f = await s.nextFrame();
    expectEqual(f, { binary: false, data: "2" }, "the next frame (a ping: the engine connection stays)");
  });
  await scenario("should connect then disconnect from a custom namespace", async () => {
    const s = await connected();
    s.send({ type: 0, nsp: "/custom" });
    await s.next(); // Socket.IO handshake
    await s.next(); // auth packet
    s.send({ type: 1, nsp: "/custom" });
    s.send({ type: 2, data: ["message", "message to main namespace"], nsp: "/" });
    expectEqual(
      await s.next(),
      { type: 2, data: ["message-back", "message to main namespace"], nsp: "/" },
      "echo on / after leaving /custom",
    );
  });

  // describe("message")
  await scenario("should send a plain-text packet", async () => {
    const s = await connected();
    s.send({ type: 2, data: ["message", 1, "2", { 3: [true] }], nsp: "/" });
    expectEqual(await s.next(), { type: 2, data: ["message-back", 1, "2", { 3: [true] }], nsp: "/" }, "echo");
  });
  await scenario("should send a packet with binary attachments", async () => {
    const s = await connected();
    s.send({ type: 2, data: ["message", Buffer.from([1, 2, 3]), Buffer.from([4, 5, 6])], nsp: "/" });
    expectEqual(
      await s.next(),
      { type: 2, data: ["message-back", Buffer.from([1, 2, 3]), Buffer.from([4, 5, 6])], nsp: "/" },
      "binary echo, one packet with the buffers inside",
    );
    // nothing else came for that packet (no attachment frames): the next packet is the next echo
    s.send({ type: 2, data: ["message", "after"], nsp: "/" });
    expectEqual(await s.next(), { type: 2, data: ["message-back", "after"], nsp: "/" }, "the next packet");
  });
  await scenario("should send a plain-text packet with an ack", async () => {
    const s = await connected();
    s.send({ type: 2, data: ["message-with-ack", 1, "2", { 3: [false] }], id: 456, nsp: "/" });
    expectEqual(await s.next(), { type: 3, data: [1, "2", { 3: [false] }], id: 456, nsp: "/" }, "ack");
  });
  await scenario("should send a packet with binary attachments and an ack", async () => {
    const s = await connected();
    // a browser's ArrayBuffer (notepack 2 writes it as ext type 0) next to a Node Buffer (bin)
    const arrayBuffer = Uint8Array.from([1, 2, 3]).buffer;
    s.send({ type: 2, data: ["message-with-ack", arrayBuffer, Buffer.from([4, 5, 6])], id: 789, nsp: "/" });
    expectEqual(
      await s.next(),
      { type: 3, data: [Buffer.from([1, 2, 3]), Buffer.from([4, 5, 6])], id: 789, nsp: "/" },
      "binary ack (type 3: no BINARY_ACK in this format)",
    );
  });
  await scenario("should close the connection upon invalid format (unknown packet type)", async () => {
    const s = await connected();
    s.send({ type: 9, data: ["message"], nsp: "/" });
    await s.closes();
  });
  await scenario("should close the connection upon invalid format (invalid payload format)", async () => {
    const s = await connected();
    s.send({ type: 2, data: {}, nsp: "/" });
    await s.closes();
  });
  await scenario("should close the connection upon invalid format (invalid ack id)", async () => {
    const s = await connected();
    s.send({ type: 2, data: ["message-with-ack", 1, "2", { 3: [false] }], id: "abc", nsp: "/" });
    await s.closes();
  });

  for (const s of opened) s.close();
  return { scenarios };
});
