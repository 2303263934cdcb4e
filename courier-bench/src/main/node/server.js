// The socket.io peer of the benchmark harness (courier-bench): socket.io 4.8 with the library's defaults and the
// bench contract (namespace "/"; "broadcast" emits the same args to every socket, the sender included; "echo" acks
// with the same args). Usage: node --expose-gc server.js PORT. SIGUSR2 runs a full GC (the idle scenario's).
"use strict";
const { Server } = require("socket.io");

const port = Number(process.argv[2]);
const io = new Server(port);

io.on("connection", (socket) => {
  socket.on("broadcast", (...args) => io.emit("broadcast", ...args));
  socket.on("echo", (...args) => {
    const ack = args.pop();
    if (typeof ack === "function") ack(...args);
  });
});

process.on("SIGUSR2", () => global.gc && global.gc());
process.on("SIGTERM", () => io.close(() => process.exit(0)));
console.log(`socket.io peer listening on ${port}`);
