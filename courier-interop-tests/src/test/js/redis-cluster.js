"use strict";
// A mixed cluster over one Redis: two Courier nodes (A and B, started by RedisClusterIT with the
// handlers below) and a Node.js socket.io 4.8 server (N, started here) using the official
// @socket.io/redis-adapter 8.3 with the same key, plus @socket.io/redis-emitter 5.1. Clients of
// the official socket.io-client connect to each node; every cluster operation is started once
// from a Courier node and once from N, and checked on the clients of all three.
//
// The handlers, the same on every node (each node knows its name: "A", "B" or "N"):
//   join(room)                       socket.join(room)
//   emit-all(event, value)           io.emit(event, value)
//   emit-room(room, event, value)    io.to(room).emit(event, value)
//   broadcast(event, value)          socket.broadcast.emit(event, value)
//   fetch(room)                      io.in(room).fetchSockets() -> [{id, rooms (sorted), data}] sorted by data.name
//   sockets-join(room, newRoom)      io.in(room).socketsJoin(newRoom)
//   sockets-leave(room, oldRoom)     io.in(room).socketsLeave(oldRoom)
//   disconnect-room(room)            io.in(room).disconnectSockets(true)
//   server-ack()                     io.serverSideEmitWithAck("ping") -> the answers, sorted
//   server-emit(value)               io.serverSideEmit("note", value)
//   ask-all()                        io.timeout(5000).emitWithAck("question") -> the answers, sorted
//   emit-to(name, value)             the socket with data.name === name among io.fetchSockets(): emit("news", value)
//   on server-side "ping"(ack)       ack(name)
//   on server-side "note"(value)     io.local.emit("noted", name, value)
// and socket.data = {name: auth.name, node: name}.
//
// Env: COURIER_A, COURIER_B (base URLs), REDIS_URL, CLUSTER_KEY, and ADAPTER: "classic" (createAdapter,
// PUBLISH/PSUBSCRIBE; the emitter takes part) or "sharded" (createShardedAdapter in its default "dynamic"
// subscription mode, SPUBLISH/SSUBSCRIBE; the emitter speaks only the classic protocol, so it sits out).
// COURIER_PARSER=msgpack: every node and client speaks socket.io-msgpack-parser (the adapter's messages do not
// change: they carry packets, not their wire form).
// Final line: {ok, elapsedMs}

const { Server } = require("socket.io");
const { io: connectTo } = require("socket.io-client");
const { createClient } = require("redis");
const { createAdapter, createShardedAdapter } = require("@socket.io/redis-adapter");
const { Emitter } = require("@socket.io/redis-emitter");
const { parserOption, waitConnect, waitFor, until, expectEqual, hex, run } = require("./lib");

const KEY = process.env.CLUSTER_KEY;
const REDIS_URL = process.env.REDIS_URL;
const SHARDED = process.env.ADAPTER === "sharded";

/** The contract's handlers on the Node server, as RedisClusterIT registers them on Courier. */
function contract(io, name) {
  io.on("connection", (socket) => {
    socket.data = { name: socket.handshake.auth.name, node: name };
    socket.on("whoami", (ack) => ack(name));
    socket.on("join", (room, ack) => { socket.join(room); ack(); });
    socket.on("emit-all", (event, value, ack) => { io.emit(event, value); ack(); });
    socket.on("emit-room", (room, event, value, ack) => { io.to(room).emit(event, value); ack(); });
    socket.on("broadcast", (event, value, ack) => { socket.broadcast.emit(event, value); ack(); });
    socket.on("fetch", async (room, ack) => {
      const found = await io.in(room).fetchSockets();
      ack(found.map((s) => ({ id: s.id, rooms: [...s.rooms].sort(), data: s.data }))
        .sort((x, y) => x.data.name.localeCompare(y.data.name)));
    });
    socket.on("sockets-join", (room, newRoom, ack) => { io.in(room).socketsJoin(newRoom); ack(); });
    socket.on("sockets-leave", (room, oldRoom, ack) => { io.in(room).socketsLeave(oldRoom); ack(); });
    socket.on("disconnect-room", (room, ack) => { io.in(room).disconnectSockets(true); ack(); });
    socket.on("server-ack", async (ack) => ack((await io.serverSideEmitWithAck("ping")).sort()));
    socket.on("server-emit", (value, ack) => { io.serverSideEmit("note", value); ack(); });
    socket.on("ask-all", async (ack) => ack((await io.timeout(5000).emitWithAck("question")).sort()));
    socket.on("emit-to", async (target, value, ack) => {
      const [found] = (await io.fetchSockets()).filter((s) => s.data.name === target);
      found.emit("news", value);
      ack();
    });
  });
  io.on("ping", (ack) => ack(name));
  io.on("note", (value) => io.local.emit("noted", name, value));
}

/** Polls an asynchronous check (a cluster request) until it holds. */
async function eventually(check) {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 20));
}

run(`redis-cluster (${SHARDED ? "sharded" : "classic"}, ${process.env.COURIER_PARSER || "default"} parser)`, 90000, async (ctx) => {
  ctx.step(`start N: socket.io with @socket.io/redis-adapter (${SHARDED ? "sharded" : "classic"})`);
  const pub = createClient({ url: REDIS_URL });
  const sub = pub.duplicate();
  const emitterClient = pub.duplicate();
  await Promise.all([pub.connect(), sub.connect(), emitterClient.connect()]);
  const adapter = SHARDED
    ? createShardedAdapter(pub, sub, { channelPrefix: KEY })
    : createAdapter(pub, sub, { key: KEY, requestsTimeout: 5000 });
  const nodeServer = new Server({ adapter, ...parserOption() });
  contract(nodeServer, "N");
  nodeServer.listen(0); // run() exits the process at the end, which closes it and the Redis clients
  const urls = {
    A: process.env.COURIER_A,
    B: process.env.COURIER_B,
    N: `http://127.0.0.1:${nodeServer.httpServer.address().port}`,
  };

  // Three clients on each node: a1 a2 a3 on A, b1.. on B, n1.. on N.
  ctx.step("connect three clients to each node");
  const clients = {};
  for (const node of ["A", "B", "N"]) {
    for (let i = 1; i <= 3; i++) {
      const name = node.toLowerCase() + i;
      const socket = connectTo(urls[node], {
        forceNew: true,
        transports: ["websocket"],
        auth: { name },
        ...parserOption(),
      });
      socket.on("question", (ack) => ack(name));
      clients[name] = socket;
    }
  }
  await Promise.all(Object.values(clients).map(waitConnect));
  // Courier runs its connection handlers (which set socket.data) after the CONNECT reply; a round trip of each
  // client's own queues behind them, so every socket's data is set before another client asks for it (a3 and b3
  // send nothing else before b1's fetch and a2's emit-to).
  await Promise.all(Object.values(clients).map((c) => c.emitWithAck("whoami")));
  const names = Object.keys(clients);
  const { a1, a2, b1, b2, b3, n1, n2, n3 } = clients;

  // The Courier nodes and N must all be subscribed before anything is broadcast: the cluster
  // counts three nodes once every request channel has three subscribers.
  ctx.step("wait until every node sees three nodes");
  await eventually(async () => (await a1.emitWithAck("server-ack")).length === 2);

  // What each client received, in order.
  const seen = {};
  for (const name of names) seen[name] = [];
  const onAll = (event) => {
    for (const name of names) clients[name].on(event, (...args) => seen[name].push([event, ...args]));
  };
  onAll("news");
  onAll("room-news");
  onAll("bin");
  onAll("noted");
  const reset = () => { for (const name of names) seen[name].length = 0; };
  // A marker broadcast from `via` to everyone, awaited on all clients: once every client has it,
  // anything broadcast before it from the same node has arrived (one node publishes in order,
  // and every node delivers in order).
  const fence = async (via) => {
    const tag = `fence-${Math.random()}`;
    await via.emitWithAck("emit-all", "news", tag);
    await until(() => names.every((n) => seen[n].some((e) => e[1] === tag)));
    for (const n of names) seen[n] = seen[n].filter((e) => e[1] !== tag);
  };

  for (const [label, via] of [["Courier A", a1], ["Node N", n1]]) {
    ctx.step(`broadcast to all from ${label}`);
    reset();
    await via.emitWithAck("emit-all", "news", `hello from ${label}`);
    await until(() => names.every((n) => seen[n].length === 1));
    for (const n of names) expectEqual(seen[n], [["news", `hello from ${label}`]], `${n} after io.emit via ${label}`);

    ctx.step(`broadcast except the sender from ${label}`);
    reset();
    await via.emitWithAck("broadcast", "news", `others from ${label}`);
    await fence(via);
    for (const n of names) {
      expectEqual(seen[n], clients[n] === via ? [] : [["news", `others from ${label}`]], `${n} after broadcast via ${label}`);
    }
  }

  ctx.step("rooms: b2 and n2 join 'r'; room broadcasts from A and N reach them only");
  await b2.emitWithAck("join", "r");
  await n2.emitWithAck("join", "r");
  if (SHARDED) {
    // In the dynamic mode a node reads a room's channel once Redis has taken the SSUBSCRIBE it sends
    // on the room's first local join, which the join does not wait for (in socket.io's adapter as in
    // Courier's): a broadcast published before then does not reach that node's members.
    const roomChannel = `${KEY}#/#r#`;
    await eventually(async () => (await pub.sendCommand(["PUBSUB", "SHARDNUMSUB", roomChannel]))[1] === 2);
  }
  for (const [label, via] of [["A", a2], ["N", n3]]) {
    reset();
    await via.emitWithAck("emit-room", "r", "room-news", `to r via ${label}`);
    await fence(via);
    for (const n of names) {
      expectEqual(seen[n], ["b2", "n2"].includes(n) ? [["room-news", `to r via ${label}`]] : [], `${n} after to('r') via ${label}`);
    }
  }

  ctx.step("binary crosses nodes both ways");
  const blob = Buffer.from([0, 1, 2, 253, 254, 255]);
  for (const via of [b1, n1]) {
    reset();
    const got = names.map((n) => waitFor(clients[n], "bin"));
    via.emit("emit-all", "bin", blob, () => {});
    const values = await Promise.all(got);
    for (const [v] of values) expectEqual(hex(v), hex(blob), "binary payload");
  }

  ctx.step("fetchSockets across nodes, from A and from N");
  const expectedR = [
    { name: "b2", node: "B" },
    { name: "n2", node: "N" },
  ];
  for (const via of [a1, n1]) {
    const found = await via.emitWithAck("fetch", "r");
    expectEqual(found.map((s) => s.data), expectedR, "fetchSockets('r') data");
    expectEqual(found.map((s) => s.id), [b2.id, n2.id], "fetchSockets('r') ids");
    for (const s of found) expectEqual(s.rooms, [s.id, "r"].sort(), `rooms of ${s.data.name}`);
  }
  const everyone = await b1.emitWithAck("fetch", []);
  expectEqual(everyone.map((s) => s.data.name), names.slice().sort(), "fetchSockets() of the whole cluster");

  ctx.step("a fetched socket on another node receives what is emitted to it");
  reset();
  await a1.emitWithAck("emit-to", "n1", "A to n1");
  await n1.emitWithAck("emit-to", "b1", "N to b1");
  await a2.emitWithAck("emit-to", "b3", "A to b3");
  await until(() => seen.n1.length === 1 && seen.b1.length === 1 && seen.b3.length === 1);
  expectEqual([seen.n1, seen.b1, seen.b3], [[["news", "A to n1"]], [["news", "N to b1"]], [["news", "A to b3"]]], "direct emits");

  ctx.step("socketsJoin / socketsLeave across nodes");
  await n1.emitWithAck("sockets-join", "r", "r2"); // from N: b2 (on Courier B) and n2 join r2
  await eventually(async () => (await a1.emitWithAck("fetch", "r2")).length === 2);
  expectEqual((await a1.emitWithAck("fetch", "r2")).map((s) => s.data.name), ["b2", "n2"], "r2 after socketsJoin from N");
  await a1.emitWithAck("sockets-leave", "r2", "r2"); // from A
  await eventually(async () => (await n1.emitWithAck("fetch", "r2")).length === 0);

  ctx.step("server-side emits, with acks, across nodes");
  expectEqual(await a1.emitWithAck("server-ack"), ["B", "N"], "serverSideEmitWithAck from A");
  expectEqual(await b1.emitWithAck("server-ack"), ["A", "N"], "serverSideEmitWithAck from B");
  expectEqual(await n1.emitWithAck("server-ack"), ["A", "B"], "serverSideEmitWithAck from N");
  reset();
  await a1.emitWithAck("server-emit", "memo");
  // A's own clients get nothing: a server-side emit goes to the other nodes only
  await until(() => ["b1", "b2", "b3", "n1", "n2", "n3"].every((n) => seen[n].length === 1));
  for (const n of ["b1", "b2", "b3"]) expectEqual(seen[n], [["noted", "B", "memo"]], `${n} after serverSideEmit`);
  for (const n of ["n1", "n2", "n3"]) expectEqual(seen[n], [["noted", "N", "memo"]], `${n} after serverSideEmit`);

  ctx.step("broadcast with acks: every client of every node answers");
  expectEqual(await a2.emitWithAck("ask-all"), names.slice().sort(), "emitWithAck from A");
  expectEqual(await n2.emitWithAck("ask-all"), names.slice().sort(), "emitWithAck from N");

  ctx.step("@socket.io/redis-emitter reaches Courier's clients");
  if (!SHARDED) await viaEmitter();

  ctx.step("disconnectSockets from N closes a Courier client in the room");
  const gone = waitFor(b2, "disconnect");
  await n3.emitWithAck("disconnect-room", "r");
  expectEqual((await gone)[0], "io server disconnect", "b2's disconnect reason");
  await eventually(async () => (await a1.emitWithAck("fetch", "r")).length === 0);

  return { adapter: SHARDED ? "sharded" : "classic" };

  async function viaEmitter() {
    const emitter = new Emitter(emitterClient, { key: KEY });
    reset();
    emitter.emit("news", "from the emitter");
    emitter.to("r").emit("room-news", "emitter to r");
    await until(() => names.every((n) => seen[n].length === (["b2", "n2"].includes(n) ? 2 : 1)));
    expectEqual(seen.a1, [["news", "from the emitter"]], "a1 after emitter.emit");
    expectEqual(seen.b2, [["news", "from the emitter"], ["room-news", "emitter to r"]], "b2 after emitter.to('r')");
  }
});
