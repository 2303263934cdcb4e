"use strict";
// A socket.io 4.8 server (the npm reference implementation) for Courier's Java client: CourierClientNodeIT starts it
// and drives it with io.courier.client.CourierClient.
//
//   node java-client-peer.js [--recovery] [--tls=DIR]
//
// Listens on a free port of 127.0.0.1 and prints one line {"port":N} once listening; exits when stdin closes.
// --recovery turns on connectionStateRecovery (maxDisconnectionDuration 60 s), so every non-ack event the server
// sends carries an offset as its last argument. --tls=DIR serves HTTPS with DIR/key.pem and DIR/cert.pem.
//
// On "/": echo (acks its arguments), message (emitted back as message-back), request-ack (asks the client for an ack
// with please-ack, emits the reply as ack-received), whoami (acks {id, recovered}), drop-me (closes the whole
// connection: the client sees "transport close" and reconnects), disconnect-me (namespace disconnect), to-socket
// (id, ...args: emits direct-message with args to that socket's room, then acks). "/custom" emits auth with the
// handshake auth; "/private" refuses unless auth.token is "secret" (message unauthorized, data {reason}).

const fs = require("node:fs");
const http = require("node:http");
const https = require("node:https");
const path = require("node:path");
const { Server } = require("socket.io");

const recovery = process.argv.includes("--recovery");
const tlsArg = process.argv.find((a) => a.startsWith("--tls="));
const httpServer = tlsArg
  ? https.createServer({
      key: fs.readFileSync(path.join(tlsArg.slice(6), "key.pem")),
      cert: fs.readFileSync(path.join(tlsArg.slice(6), "cert.pem")),
    })
  : http.createServer();
const io = new Server(httpServer, {
  pingInterval: 1000,
  pingTimeout: 2000,
  maxHttpBufferSize: 1e6,
  ...(recovery ? { connectionStateRecovery: { maxDisconnectionDuration: 60000, skipMiddlewares: true } } : {}),
});

function splitAck(args) {
  return typeof args[args.length - 1] === "function" ? [args.slice(0, -1), args[args.length - 1]] : [args, null];
}

io.on("connection", (socket) => {
  socket.on("echo", (...args) => {
    const [rest, ack] = splitAck(args);
    if (ack) ack(...rest);
  });
  socket.on("message", (...args) => socket.emit("message-back", ...args));
  socket.on("request-ack", (...args) => {
    socket.emit("please-ack", ...args, (...reply) => socket.emit("ack-received", ...reply));
  });
  socket.on("whoami", (ack) => {
    if (typeof ack === "function") ack({ id: socket.id, recovered: socket.recovered });
  });
  socket.on("drop-me", () => socket.conn.close());
  socket.on("disconnect-me", () => socket.disconnect());
  socket.on("to-socket", (id, ...args) => {
    const [rest, ack] = splitAck(args);
    io.to(id).emit("direct-message", ...rest);
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

httpServer.listen(0, "127.0.0.1", () => {
  process.stdout.write(JSON.stringify({ port: httpServer.address().port }) + "\n");
});
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
