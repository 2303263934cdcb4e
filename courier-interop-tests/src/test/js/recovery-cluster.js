"use strict";
// Connection state recovery across the nodes of a cluster, with the stock client: a client on node A
// behind a proxy loses its connection, the proxy now leads to node B, and the client recovers there:
// same socket id, its room back, and the events it missed — sent by B and by A while it was away —
// in order, then the live ones. RecoveryAcrossNodesIT starts A and B (shared RedisRecoveryStore,
// RedisCluster) with the handlers:
//   whoami() -> node name; join(room); emit-room(room, value) -> io.to(room).emit("news", value);
//   members(room) -> how many sockets of the cluster are in the room (fetchSockets)
//
// Env: COURIER_A, COURIER_B (base URLs), COURIER_URL (= A).
// Final line: {ok, elapsedMs, recovered, received}

const net = require("node:net");
const { io: connectTo } = require("socket.io-client");
const { waitConnect, waitFor, until, expectEqual, expect, run } = require("./lib");

/** A TCP proxy whose target can change, and which can cut every connection it carries. */
function proxy(target) {
  const open = new Set();
  const server = net.createServer((client) => {
    const upstream = net.connect(proxy.target, "127.0.0.1");
    open.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const drop = () => { client.destroy(); upstream.destroy(); open.delete(client); open.delete(upstream); };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
  });
  proxy.target = target;
  proxy.cut = () => { for (const s of open) s.destroy(); open.clear(); };
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server.address().port)));
}

async function eventually(check) {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 20));
}

run("recovery-cluster", 60000, async (ctx) => {
  const portOf = (url) => Number(new URL(url).port);
  const via = await proxy(portOf(process.env.COURIER_A));

  ctx.step("a client on A (through the proxy) joins room r; a sender on B");
  const client = connectTo(`http://127.0.0.1:${via}`, { transports: ["websocket"], reconnection: false, forceNew: true });
  const sender = connectTo(process.env.COURIER_B, { transports: ["websocket"], forceNew: true });
  const senderOnA = connectTo(process.env.COURIER_A, { transports: ["websocket"], forceNew: true });
  await Promise.all([client, sender, senderOnA].map(waitConnect));
  expectEqual(await client.emitWithAck("whoami"), "A", "the client's first node");
  const id = client.id;
  const received = [];
  client.on("news", (value) => received.push(value));
  await client.emitWithAck("join", "r");
  await sender.emitWithAck("emit-room", "r", "m1");
  await until(() => received.length === 1);

  ctx.step("the connection is cut; the proxy now leads to B; A saves the session");
  const gone = waitFor(client, "disconnect");
  proxy.target = portOf(process.env.COURIER_B);
  proxy.cut();
  expectEqual((await gone)[0], "transport close", "disconnect reason");
  // A saves the session before the socket leaves its rooms: once r is empty, the session is saved
  await eventually(async () => (await sender.emitWithAck("members", "r")) === 0);

  ctx.step("while it is away, B and A emit to r");
  await sender.emitWithAck("emit-room", "r", "m2");
  await senderOnA.emitWithAck("emit-room", "r", "m3");

  ctx.step("it comes back, to B, and recovers");
  client.connect();
  await waitConnect(client);
  expect(client.recovered === true, "the client was not recovered");
  expectEqual(client.id, id, "socket id after recovery");
  expectEqual(await client.emitWithAck("whoami"), "B", "the client's node after the cut");
  await sender.emitWithAck("emit-room", "r", "m4");
  await until(() => received.length >= 4);
  expectEqual(received, ["m1", "m2", "m3", "m4"], "events, in order, once");
  return { recovered: client.recovered, received };
});
