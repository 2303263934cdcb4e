"use strict";
// Benchmark client (not a test): N websocket clients subscribe to channel "fan" through the hub
// protocol, durably (auth.clientId, each delivery acked) or not (anonymous: a room), print
// {"phase":"ready"}, then count deliveries until each has COURIER_MESSAGES of them. Reports the
// rate from the first delivery to the last, over all clients. Driven by io.courier.interop.bench.DurableBench.
//
// Env: COURIER_URL, COURIER_CLIENTS, CLIENT_OFFSET, COURIER_MESSAGES, DURABLE (1 or 0), NOACK (1: durable clients
// do not ack, to tell the cost of acknowledging apart; needs a window of at least COURIER_MESSAGES).
// Final line: {ok, clients, messages, durable, elapsedMs, first, last, deliveriesPerSecond, clientCpuMs}

const { connect, waitConnect, until, run } = require("./lib");

run("bench-fanout", 600000, async (ctx) => {
  const clients = Number(process.env.COURIER_CLIENTS || 1000);
  const messages = Number(process.env.COURIER_MESSAGES || 200);
  const durable = process.env.DURABLE === "1";
  const offset = Number(process.env.CLIENT_OFFSET || 0);
  const counts = new Array(clients).fill(0);
  let first = 0;
  let last = 0;
  const sockets = [];
  for (let i = 0; i < clients; i++) {
    const socket = connect("/", durable ? { auth: { clientId: `bench-${offset + i}` } } : {});
    socket.on("tick", (...args) => {
      const now = Date.now();
      if (!first) first = now;
      last = now;
      counts[i]++;
      const ack = args[args.length - 1];
      if (typeof ack === "function" && process.env.NOACK !== "1") ack();
    });
    sockets.push(socket);
  }
  ctx.step("connect and subscribe");
  await Promise.all(sockets.map(waitConnect));
  await Promise.all(sockets.map((s) => s.emitWithAck("subscribe", "fan")));
  ctx.phase({ phase: "ready" });
  ctx.step("receive");
  await until(() => counts.every((c) => c >= messages));
  const elapsedMs = Math.max(1, last - first);
  return {
    clients,
    messages,
    durable,
    elapsedMs,
    first,
    last,
    deliveriesPerSecond: Math.round((clients * messages * 1000) / elapsedMs),
    clientCpuMs: Math.round((process.cpuUsage().user + process.cpuUsage().system) / 1000),
  };
});
