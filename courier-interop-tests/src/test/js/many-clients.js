"use strict";
// Fan-out under concurrency: N clients, each on its own engine connection, connect at once; each
// broadcasts once, so every client must receive exactly N `broadcast-back` events, one from each
// sender (tagged with the sender's index); then each does one client ack. "Exactly" is checked
// after one more round trip per client, which flushes anything the server had already sent.
//
// Heartbeat: run this against a server with a relaxed heartbeat (e.g. the Socket.IO defaults,
// pingInterval 25000 / pingTimeout 20000). Under the contract's 300/200 ms, 200 clients in one
// process leave a 200 ms round-trip budget for every ping; on a busy 2-core machine the reference
// server itself misses it (long-polling always, WebSocket sometimes) and clients drop with "ping
// timeout" or "transport error (400)", which says nothing about fan-out. Any drop fails the run
// and names the client and the reason.
//
// COURIER_BROADCAST_WINDOW caps how many broadcasts are in flight at once (default: all N).
//
// Env: COURIER_URL, COURIER_TRANSPORTS, COURIER_CLIENTS (default 200),
//   COURIER_BROADCAST_WINDOW (default COURIER_CLIENTS).
// Final line: {ok, mode, elapsedMs, clients, window, connectMs, broadcastMs, broadcastsReceived,
//   minPerClient, maxPerClient, acks}

const http = require("node:http");
const { connect, waitConnect, until, roundTrip, expectEqual, expect, run } = require("./lib");

// The client passes transport-level details (an HTTP status, an error) with the disconnect.
function describe(details) {
  if (!details) return "";
  const parts = [
    details.description && (details.description.message || details.description),
    details.context && details.context.status,
  ];
  return ` (${[...new Set(parts.filter((p) => p !== undefined && p !== null))].join(", ")})`;
}

function positiveInt(name, fallback) {
  const raw = process.env[name];
  const value = raw === undefined || raw === "" ? fallback : Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

// Over long-polling every delivery batch costs an HTTP round trip per client. With the client's
// default (agent: false, a new TCP connection per request) N x N deliveries mean tens of thousands
// of connections from this one process, enough to run into TIME_WAIT port exhaustion. A keep-alive
// agent, which browsers effectively have, keeps the test about fan-out.
const agent = new http.Agent({ keepAlive: true });

run("many-clients", 60000, async (ctx) => {
  const n = positiveInt("COURIER_CLIENTS", 200);
  const window = Math.min(positiveInt("COURIER_BROADCAST_WINDOW", n), n);

  // A dropped client would otherwise surface as a vague "socket has been disconnected" or a
  // timeout; racing every step against this names the client and the reason.
  let reportLost;
  const lost = new Promise((_, reject) => (reportLost = reject));
  lost.catch(() => {});
  const guarded = (promise) => Promise.race([promise, lost]);

  ctx.step(`connect ${n} clients`);
  const t0 = Date.now();
  const sockets = [];
  // Per client: how many times each sender index arrived.
  const seen = [];
  for (let i = 0; i < n; i++) {
    const socket = connect("/", { agent });
    const counts = new Array(n).fill(0);
    socket.on("broadcast-back", (from) => counts[from]++);
    socket.on("disconnect", (reason, details) => {
      reportLost(new Error(`client ${i} disconnected: ${reason}${describe(details)}`));
    });
    sockets.push(socket);
    seen.push(counts);
    // Opening a client costs about a millisecond of synchronous work; opening all of them in one
    // tick would block this process for longer than the 500 ms heartbeat budget of the first ones.
    // Yielding between them keeps the connections concurrent without that stall.
    await new Promise(setImmediate);
  }
  const total = (i) => seen[i].reduce((a, b) => a + b, 0);

  await guarded(Promise.all(sockets.map(waitConnect)));
  const connectMs = Date.now() - t0;

  ctx.step(`broadcast from every client (${n} x ${n} deliveries, window ${window})`);
  const t1 = Date.now();
  let next = 0;
  const sender = async () => {
    while (next < n) {
      const i = next++;
      await sockets[i].emitWithAck("broadcast", i);
    }
  };
  await guarded(Promise.all(Array.from({ length: window }, sender)));
  await guarded(until(() => seen.every((_, i) => total(i) >= n)));
  const broadcastMs = Date.now() - t1;

  ctx.step("round trip per client, then exact counts");
  await guarded(Promise.all(sockets.map(roundTrip)));
  for (let i = 0; i < n; i++) {
    const wrong = seen[i].findIndex((c) => c !== 1);
    expect(wrong === -1, `client ${i} got ${seen[i][wrong]} broadcasts from sender ${wrong} (expected 1)`);
  }

  ctx.step("message-with-ack per client");
  const replies = await guarded(
    Promise.all(sockets.map((s, i) => s.emitWithAck("message-with-ack", { client: i }))),
  );
  replies.forEach((r, i) => expectEqual(r, { client: i }, `ack of client ${i}`));

  const totals = seen.map((_, i) => total(i));
  return {
    clients: n,
    window,
    connectMs,
    broadcastMs,
    broadcastsReceived: totals.reduce((a, b) => a + b, 0),
    minPerClient: Math.min(...totals),
    maxPerClient: Math.max(...totals),
    acks: replies.length,
  };
});
