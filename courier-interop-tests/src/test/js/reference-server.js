"use strict";
// The extended contract (README, "Conformance") served by the real npm `socket.io`, so the
// scenarios can be checked against the reference implementation before they judge Courier, and so
// a scenario that fails on Courier can be re-run here to tell a Courier bug from a scenario bug.
//
//   node reference-server.js [port] [--recovery] [--ping-interval=MS] [--ping-timeout=MS]
//
// port 0 (the default) picks a free port. Listens on 127.0.0.1 and prints one line {"port":N} on
// stdout once listening. --recovery turns on connection state recovery as in the recovery contract;
// note that the server then appends an offset to every non-ack event, which the plain scenarios
// (exact argument comparisons) are not written for. The --ping-* flags override the contract's
// 300/200 ms heartbeat, which is too tight for many-clients.js over long-polling on a busy machine.

const http = require("node:http");
const { Server } = require("socket.io");

const USAGE = "usage: node reference-server.js [port] [--recovery] [--ping-interval=MS] [--ping-timeout=MS]";
const args = process.argv.slice(2);
const recovery = args.includes("--recovery");
function msFlag(name, fallback) {
  const arg = args.find((a) => a.startsWith(`--${name}=`));
  if (arg === undefined) return fallback;
  const value = Number(arg.slice(name.length + 3));
  if (!Number.isInteger(value) || value <= 0) {
    console.error(`${USAGE}; bad ${arg}`);
    process.exit(2);
  }
  return value;
}
const pingInterval = msFlag("ping-interval", 300);
const pingTimeout = msFlag("ping-timeout", 200);
const portArg = args.find((a) => !a.startsWith("--"));
const port = portArg === undefined ? 0 : Number(portArg);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`${USAGE}; bad port "${portArg}"`);
  process.exit(2);
}

const httpServer = http.createServer();
const io = new Server(httpServer, {
  pingInterval,
  pingTimeout,
  maxHttpBufferSize: 1e6,
  connectTimeout: 1000,
  cors: { origin: "*" },
  ...(recovery ? { connectionStateRecovery: { maxDisconnectionDuration: 2000, skipMiddlewares: true } } : {}),
});

// Extension handlers take an optional trailing ack; split it off so the rest can be forwarded as is.
function splitAck(args) {
  return typeof args[args.length - 1] === "function" ? [args.slice(0, -1), args[args.length - 1]] : [args, null];
}

const root = io.of("/");
root.on("connection", (socket) => {
  // Official contract.
  socket.emit("auth", socket.handshake.auth);
  socket.on("message", (...args) => socket.emit("message-back", ...args));
  socket.on("message-with-ack", (...args) => {
    const [rest, ack] = splitAck(args);
    if (ack) ack(...rest);
  });

  // Courier's extensions.
  socket.on("request-ack", (...args) => {
    socket.emit("please-ack", ...args, (...reply) => socket.emit("ack-received", ...reply));
  });
  socket.on("disconnect-me", () => socket.disconnect());
  socket.on("whoami", (ack) => {
    if (typeof ack !== "function") return;
    ack({ id: socket.id, recovered: socket.recovered, rooms: [...socket.rooms].sort() });
  });
  socket.on("join", async (room, ack) => {
    await socket.join(room);
    if (typeof ack === "function") ack();
  });
  socket.on("leave", async (room, ack) => {
    await socket.leave(room);
    if (typeof ack === "function") ack();
  });
  socket.on("broadcast", (...args) => {
    const [rest, ack] = splitAck(args);
    root.emit("broadcast-back", ...rest);
    if (ack) ack();
  });
  socket.on("to-room", (room, ...args) => {
    const [rest, ack] = splitAck(args);
    root.to(room).emit("room-message", room, ...rest);
    if (ack) ack();
  });
  socket.on("to-socket", (socketId, ...args) => {
    const [rest, ack] = splitAck(args);
    root.to(socketId).emit("direct-message", ...rest);
    if (ack) ack();
  });
});

io.of("/custom").on("connection", (socket) => socket.emit("auth", socket.handshake.auth));

const priv = io.of("/private");
priv.use((socket, next) => {
  if (socket.handshake.auth && socket.handshake.auth.token === "secret") return next();
  const err = new Error("unauthorized");
  err.data = { reason: "invalid token" };
  next(err);
});
priv.on("connection", (socket) => socket.emit("auth", socket.handshake.auth));

httpServer.listen(port, "127.0.0.1", () => {
  process.stdout.write(JSON.stringify({ port: httpServer.address().port }) + "\n");
});
