"use strict";
// Server-side deduplication of the stock client's retries (R6), against a server with deduplication
// and connection state recovery on (RetriesIT starts it and owns its handlers).
//
// With `retries: 3, ackTimeout: 500` socket.io-client 4.8.4 sends every emit through a queue, one
// packet in flight, and re-sends a packet whose ack did not come within ackTimeout: same arguments,
// NEW ack id. The server's "order" handler answers {key, invocation, item}; for keys starting with
// "slow-" it first emits "received" and holds its reply until the harness releases it, which the
// harness does when this script reports (phase "retried") that it has sent that key a second time.
//
// 1. slow-a: the first reply comes only after the client has retried, so the retry reaches the
//    server while (or after) the first handler runs; the handler must run once and the client's
//    ack callback must get the first reply with no error.
// 2. b and c: two distinct keys both run; b emitted again by the application gets b's first reply.
// 3. slow-r: the connection drops while the handler holds its reply; the client reconnects, is
//    recovered, and its queue re-sends the event on the new connection; the handler must still run
//    once and the re-sent event must get the reply.
//
// Env: COURIER_URL, COURIER_TRANSPORTS.
// Intermediate lines: {phase:"retried", key} once per slow key.
// Final line: {ok, mode, elapsedMs, transport, sends: {key: n}, replies: {key: [reply...]}}

const { connect, waitFor, waitConnect, waitUpgrade, expectEqual, expect, run } = require("./lib");

run("retries", 30000, async (ctx) => {
  ctx.step("connect with retries");
  // a slow first reconnection, so the server has certainly saved the session when it comes back
  const socket = connect("/", {
    retries: 3,
    ackTimeout: 500,
    reconnectionDelay: 500,
    reconnectionDelayMax: 500,
    randomizationFactor: 0,
  });
  const welcomed = waitFor(socket, "welcome"); // carries the offset that recovery needs
  await waitConnect(socket);
  await welcomed;

  const sends = {};
  socket.onAnyOutgoing((event, payload) => {
    if (event !== "order") return;
    const key = payload.idempotencyKey;
    sends[key] = (sends[key] || 0) + 1;
    if (key.startsWith("slow-") && sends[key] === 2) ctx.phase({ phase: "retried", key });
  });

  const replies = {};
  // every ack callback of a queued emit is called as (err, ...reply)
  const order = (key, item) =>
    new Promise((resolve, reject) => {
      socket.emit("order", { idempotencyKey: key, item }, (err, ...reply) => {
        if (err) {
          reject(new Error(`order ${key}: ack callback got an error: ${err.message || err}`));
          return;
        }
        (replies[key] = replies[key] || []).push(reply);
        resolve(reply);
      });
    });

  ctx.step("slow-a: retried before the first reply");
  const [a] = await order("slow-a", "book");
  expect(sends["slow-a"] >= 2, `slow-a was retried, sent ${sends["slow-a"]} times`);
  expectEqual(a.key, "slow-a", "slow-a reply key");

  ctx.step("b and c: distinct keys both run; b again gets b's first reply");
  const [[b], [c]] = await Promise.all([order("b", "pen"), order("c", "ink")]);
  expect(b.invocation !== c.invocation, `b and c ran separately, got ${JSON.stringify([b, c])}`);
  const [bAgain] = await order("b", "pen");
  expectEqual(bAgain, b, "b emitted again");

  ctx.step("slow-r: the connection drops while the reply is held");
  if (ctx.mode === "upgrade") await waitUpgrade(socket);
  const received = waitFor(socket, "received");
  const pending = order("slow-r", "lamp");
  await received; // the handler runs and holds its reply
  const disconnected = waitFor(socket, "disconnect");
  const reconnected = waitFor(socket, "connect");
  socket.io.engine.transport.close();
  const [reason] = await disconnected;
  expectEqual(reason, "transport close", "disconnect reason");
  await reconnected;
  expect(socket.recovered === true, "the socket is recovered after the drop");
  const [r] = await pending;
  expectEqual(r.key, "slow-r", "slow-r reply key");

  return { transport: socket.io.engine.transport.name, sends, replies };
});
