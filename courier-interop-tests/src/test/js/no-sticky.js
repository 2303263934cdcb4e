"use strict";
// Long-polling without sticky sessions: three Courier nodes (A, B, C, started by
// PollingWithoutStickyIT over one Redis, each with a SessionForwarder) behind a round-robin HTTP
// proxy written here, which sends every request to the next node in turn, as a load balancer
// without session affinity does (a node that refuses the connection is skipped, as a load
// balancer's health check would). Clients of the official socket.io-client on polling only
// connect, emit with acks, get broadcasts and room messages and disconnect; a WebSocket probe that
// reaches another node fails (the session goes on polling), one that reaches the owner upgrades;
// then node B is closed and its clients must come back on A or C. Before that, the cost of a forward is measured: ack
// round trips of a client whose every request reaches its own node, against one whose every
// request after the handshake reaches another node, which forwards it (both through one proxy).
//
// The handlers, the same on every node:
//   whoami()                         -> the node's name
//   echo(value)                      -> value
//   join(room)                       socket.join(room)
//   emit-all(event, value)           io.emit(event, value)
//   emit-room(room, event, value)    io.to(room).emit(event, value)
//   count()                          -> io.fetchSockets().length (the whole cluster), or {error} if it failed
//
// Env: NODES ("A=http://127.0.0.1:1,B=...,C=..."), ROUND_TRIPS (default 300).
// Progress line {"phase":"kill","node":"B"}: the Java side closes node B.
// Final line: {ok, forwarded, requests, latency: {direct, forwarded, roundRobin}}

const http = require("node:http");
const net = require("node:net");
const { io } = require("socket.io-client");
const { waitConnect, waitFor, until, expectEqual, expect, run, watchDrops } = require("./lib");

const NODES = Object.fromEntries(
  (process.env.NODES || "").split(",").filter(Boolean).map((kv) => kv.split("=")),
);
const NAMES = Object.keys(NODES);
const ROUND_TRIPS = Number(process.env.ROUND_TRIPS || 300);

// Every request the proxies passed on: {sid, node, status}.
const requests = [];

/**
 * An HTTP proxy on 127.0.0.1 that sends each request to the node `choose(req, attempt)` names,
 * relaying status, headers and body both ways; a refused connection is tried on the next choice.
 */
function startProxy(choose) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => attempt(0, Buffer.concat(chunks)));
    const sid = new URL(req.url, "http://x").searchParams.get("sid");
    function attempt(n, body) {
      const node = choose(req, n);
      const target = new URL(NODES[node]);
      const up = http.request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers, agent },
        (answer) => {
          if (sid) requests.push({ sid, node, status: answer.statusCode });
          res.writeHead(answer.statusCode, answer.headers);
          answer.pipe(res);
        },
      );
      up.on("error", (e) => {
        if (e.code === "ECONNREFUSED" && n + 1 < NAMES.length) {
          attempt(n + 1, body);
        } else if (!res.headersSent) {
          res.writeHead(502);
          res.end();
        }
      });
      // the client gave up (a held poll of a closed client): so does the request to the node
      res.on("close", () => {
        if (!res.writableFinished) up.destroy();
      });
      up.end(body);
    }
  });
  // a WebSocket upgrade: the raw connection is piped to the chosen node (no retry)
  server.on("upgrade", (req, socket, head) => {
    const target = new URL(NODES[choose(req, 0)]);
    const up = net.connect(Number(target.port), target.hostname, () => {
      let lines = `${req.method} ${req.url} HTTP/1.1\r\n`;
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines += `${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`;
      up.write(lines + "\r\n");
      up.write(head);
      socket.pipe(up).pipe(socket);
    });
    up.on("error", () => socket.destroy());
    socket.on("error", () => up.destroy());
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => {
    server.unref();
    resolve(`http://127.0.0.1:${server.address().port}`);
  }));
}

let next = 0;
// every request to the next node in turn; one refused by a node to the node after it
const roundRobin = (req, attempt) => {
  if (attempt === 0) next++;
  return NAMES[(next + attempt) % NAMES.length];
};

/** Resolves once `check()` (asynchronous) holds, trying again every 20 ms. */
async function eventually(check) {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 20));
}

const sidOf = (socket) => socket.io.engine.id;

/** The number of sockets in the cluster, asked through `socket`; throws what the node answers if fetchSockets failed. */
async function count(socket) {
  const n = await socket.emitWithAck("count");
  if (typeof n !== "number") throw new Error(`count: ${JSON.stringify(n)}`);
  return n;
}

function client(url, name) {
  const socket = io(url, {
    forceNew: true,
    transports: ["polling"],
    upgrade: false,
    reconnectionDelay: 100,
    reconnectionDelayMax: 500,
    auth: { name },
  });
  return socket;
}

function stats(samples) {
  const sorted = samples.slice().sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  const r = (x) => Math.round(x * 1000) / 1000;
  return { n: sorted.length, meanMs: r(mean), p50Ms: r(at(0.5)), p90Ms: r(at(0.9)), p99Ms: r(at(0.99)) };
}

/**
 * Sequential ack round trips of each socket, taken in turns (one of each, then again) so that
 * whatever else the machine does weighs on all of them alike; after a warm-up.
 */
async function roundTrips(sockets) {
  const names = Object.keys(sockets);
  const samples = Object.fromEntries(names.map((n) => [n, []]));
  for (let i = -20; i < ROUND_TRIPS; i++) {
    for (const n of names) {
      const t = process.hrtime.bigint();
      const got = await sockets[n].emitWithAck("echo", i);
      if (i >= 0) samples[n].push(Number(process.hrtime.bigint() - t) / 1e6);
      if (got !== i) throw new Error(`echo ${i} answered ${got}`);
    }
  }
  return Object.fromEntries(names.map((n) => [n, stats(samples[n])]));
}

run("no-sticky", 120000, async (ctx) => {
  expect(NAMES.length >= 2, "NODES must name at least two nodes");
  const lb = await startProxy(roundRobin);

  ctx.step("clients connect through the round-robin proxy, at least one owned by each node");
  const clients = [];
  const owner = {}; // client index -> node name
  const connectOne = async () => {
    const i = clients.length;
    const socket = client(lb, `c${i}`);
    watchDrops(socket.io, () => `c${i} (session of ${owner[i]})`);
    clients.push(socket);
    await waitConnect(socket);
    owner[i] = await socket.emitWithAck("whoami");
  };
  for (let i = 0; i < 6; i++) await connectOne();
  // Clients that connect one after the other make the same requests in the same order, so their
  // handshakes can keep landing on the same nodes: one request to a plain path moves the turn on.
  while (NAMES.some((n) => !Object.values(owner).includes(n)) && clients.length < 40) {
    await new Promise((resolve) => http.get(`${lb}/nudge`, (res) => res.resume().on("end", resolve)));
    await connectOne();
  }
  for (const n of NAMES) expect(Object.values(owner).includes(n), `no client's session is on node ${n}`);

  ctx.step("emits with acks");
  for (let round = 0; round < 5; round++) {
    const answers = await Promise.all(clients.map((s, i) => s.emitWithAck("echo", { i, round })));
    answers.forEach((a, i) => expectEqual(a, { i, round }, `c${i}'s ack`));
  }
  // the session stays where it was made, whichever node each request reached
  for (let i = 0; i < clients.length; i++) expectEqual(await clients[i].emitWithAck("whoami"), owner[i], `c${i}'s node`);

  ctx.step("broadcasts reach every client");
  const seen = clients.map(() => []);
  clients.forEach((s, i) => {
    s.on("news", (v) => seen[i].push(["news", v]));
    s.on("room-news", (v) => seen[i].push(["room-news", v]));
  });
  await clients[0].emitWithAck("emit-all", "news", "to all");
  await until(() => seen.every((s) => s.length === 1));
  seen.forEach((s, i) => expectEqual(s, [["news", "to all"]], `c${i} after io.emit`));

  ctx.step("room messages reach the room only");
  const members = [1, 2];
  for (const i of members) await clients[i].emitWithAck("join", "r");
  seen.forEach((s) => (s.length = 0));
  await clients[3].emitWithAck("emit-room", "r", "room-news", "to r");
  await clients[3].emitWithAck("emit-all", "news", "fence");
  await until(() => seen.every((s) => s.some((e) => e[1] === "fence")));
  seen.forEach((s, i) => expectEqual(s.filter((e) => e[1] !== "fence"),
    members.includes(i) ? [["room-news", "to r"]] : [], `c${i} after to('r')`));

  ctx.step("requests reached other nodes than the session's, and were answered by it");
  const ownerBySid = {};
  clients.forEach((s, i) => (ownerBySid[sidOf(s)] = owner[i]));
  const mine = requests.filter((r) => ownerBySid[r.sid]);
  const forwarded = mine.filter((r) => r.node !== ownerBySid[r.sid]);
  expect(forwarded.length > 0, "no request reached another node than its session's");
  const failed = mine.filter((r) => r.status !== 200);
  expectEqual(failed, [], "requests not answered 200");

  ctx.step("a client disconnects cleanly; the cluster counts it gone");
  const total = clients.length;
  expectEqual(await count(clients[0]), total, "sockets in the cluster");
  const leaving = clients.pop();
  seen.pop();
  leaving.disconnect();
  await eventually(async () => (await count(clients[0])) === total - 1);

  ctx.step("the cost of a forward: ack round trips");
  const direct = await startProxy(() => "A");
  const viaB = await startProxy((req) => (new URL(req.url, "http://x").searchParams.get("sid") ? "B" : "A"));
  const d = client(direct, "direct");
  const f = client(viaB, "forwarded");
  const rr = client(lb, "round-robin");
  await Promise.all([d, f, rr].map(waitConnect));
  expectEqual(await f.emitWithAck("whoami"), "A", "the forwarded client's node");
  const latency = await roundTrips({ direct: d, forwarded: f, roundRobin: rr });
  d.io._close();
  f.io._close();
  rr.io._close();

  ctx.step("a WebSocket probe that reaches another node fails; the session goes on polling");
  const probing = io(viaB, { forceNew: true, transports: ["polling", "websocket"], upgrade: true });
  const probeFailed = new Promise((resolve, reject) => {
    probing.io.on("open", () => {
      probing.io.engine.once("upgradeError", resolve);
      probing.io.engine.once("upgrade", () => reject(new Error("upgraded through another node")));
    });
  });
  await waitConnect(probing);
  await probeFailed;
  expectEqual(await probing.emitWithAck("echo", "still here"), "still here", "ack after the failed probe");
  expectEqual(probing.io.engine.transport.name, "polling", "transport after the failed probe");
  expectEqual(await probing.emitWithAck("whoami"), "A", "the probing client's node");
  // the same probe straight to the owner upgrades
  const upgrading = io(direct, { forceNew: true, transports: ["polling", "websocket"], upgrade: true });
  await waitConnect(upgrading);
  if (upgrading.io.engine.transport.name !== "websocket") await waitFor(upgrading.io.engine, "upgrade");
  expectEqual(await upgrading.emitWithAck("echo", "on ws"), "on ws", "ack after the upgrade");
  probing.io._close();
  upgrading.io._close();

  ctx.step("node B is closed: its clients come back on another node");
  // Requests that were passing through B when it went (a poll B forwarded for a session of A or C)
  // fail as well, so clients of other nodes may reconnect too: counted, not forbidden.
  let disconnects = 0;
  clients.forEach((s) => s.on("disconnect", () => disconnects++));
  const onB = clients.map((s, i) => i).filter((i) => owner[i] === "B");
  const back = onB.map((i) => waitFor(clients[i], "disconnect").then(() => waitFor(clients[i], "connect")));
  ctx.phase({ phase: "kill", node: "B" });
  await Promise.all(back);
  ctx.step("after B closed: every client answers, from A or C, and gets broadcasts");

  // One round of checks on every client; repeated if any client dropped meanwhile, since a
  // dropped client reconnects, misses what was broadcast while it was away, and never gets the
  // acks it was waiting for (socket.io-client rejects them: "socket has been disconnected").
  let rounds = 0;
  for (;;) {
    rounds++;
    const before = disconnects;
    await until(() => clients.every((s) => s.connected));
    try {
      const nodes = await Promise.all(clients.map((s) => s.emitWithAck("whoami")));
      nodes.forEach((node, i) => expect(node !== "B", `c${i} answered by B after B closed`));
      const echoes = await Promise.all(clients.map((s, i) => s.emitWithAck("echo", `after ${i}`)));
      echoes.forEach((e, i) => expectEqual(e, `after ${i}`, `c${i}'s ack after B closed`));
      seen.forEach((s) => (s.length = 0));
      const tag = `after B, round ${rounds}`;
      await clients[0].emitWithAck("emit-all", "news", tag);
      await until(() => disconnects !== before || seen.every((s) => s.some((e) => e[1] === tag)));
    } catch (e) {
      if (disconnects === before) throw e;
    }
    if (disconnects === before) break;
  }
  // a session its client left behind on A or C ends once its node sees the client gone
  ctx.step("sessions left behind on A or C end: the cluster counts each client once");
  await eventually(async () => (await count(clients[0])) === clients.length);

  return {
    clients: total,
    movedFromB: onB.length,
    disconnectsAfterKill: disconnects,
    checkRounds: rounds,
    requests: mine.length,
    forwarded: forwarded.length,
    latency,
  };
});
