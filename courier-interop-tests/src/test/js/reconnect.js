"use strict";
// Automatic reconnection after the engine connection is lost. Two ways to lose it:
//
// - default: the client closes its own transport (`engine.transport.close()`: a WebSocket close
//   frame, or a polling close packet). The Socket.IO layer above sees "transport close", the same
//   as when the server drops the connection, so the Manager reconnects by itself with a new engine
//   session and a new CONNECT. The contract has no "drop my transport" trigger, and a client-side
//   close needs no cooperation from the harness. In upgrade mode the drop happens after the upgrade,
//   so it is the WebSocket that is closed.
// - COURIER_WAIT_RECONNECT=1: the harness does the dropping. After connecting the script prints
//   {"phase":"connected",...}; the harness then stops the server and starts a new one on the same
//   port. The client sees "transport close" (WebSocket) or "transport error" (a polling request
//   fails), prints {"phase":"disconnected",...} and keeps retrying until the new server answers.
//
// Either way, with recovery off the client must come back with a NEW socket id, recovered false,
// no rooms from before, and working emits.
//
// Env: COURIER_URL, COURIER_TRANSPORTS, COURIER_WAIT_RECONNECT (optional, "1").
// Intermediate lines (wait mode only): {phase:"connected", socketId, engineId},
//   {phase:"disconnected", reason}
// Final line: {ok, mode, elapsedMs, trigger, reason, oldSocketId, newSocketId, oldEngineId,
//   newEngineId, reconnectAttempts, transport}

const { connect, waitFor, waitConnect, waitUpgrade, expectEqual, expect, run } = require("./lib");

const externalRestart = process.env.COURIER_WAIT_RECONNECT === "1";

run("reconnect", externalRestart ? 30000 : 15000, async (ctx) => {
  ctx.step("connect /");
  const socket = connect("/");
  await waitConnect(socket);
  if (ctx.mode === "upgrade") {
    ctx.step("upgrade to websocket");
    await waitUpgrade(socket);
  }
  ctx.step("join r1 before the drop");
  await socket.emitWithAck("join", "r1");
  const before = await socket.emitWithAck("whoami");
  expectEqual(before.rooms, [socket.id, "r1"].sort(), "rooms before the drop");
  const oldSocketId = socket.id;
  const oldEngineId = socket.io.engine.id;

  let reconnectAttempts = 0;
  socket.io.on("reconnect_attempt", () => reconnectAttempts++);
  const disconnected = waitFor(socket, "disconnect");
  const reconnected = waitFor(socket, "connect");

  if (externalRestart) {
    ctx.step("waiting for the harness to drop the connection");
    ctx.phase({ phase: "connected", socketId: oldSocketId, engineId: oldEngineId });
  } else {
    ctx.step("close the transport");
    socket.io.engine.transport.close();
  }

  const [reason] = await disconnected;
  // A namespace-level or client-initiated disconnect would not reconnect; only transport-level
  // losses are valid here.
  const expectedReasons = ["transport close", "transport error", "ping timeout"];
  expect(expectedReasons.includes(reason), `unexpected disconnect reason "${reason}"`);
  if (!externalRestart) expectEqual(reason, "transport close", "disconnect reason");
  if (externalRestart) ctx.phase({ phase: "disconnected", reason });

  ctx.step("waiting for the automatic reconnection");
  await reconnected;
  const newEngineId = socket.io.engine.id;
  expect(socket.id !== oldSocketId, "reconnection without recovery should give a new socket id");
  expect(newEngineId !== oldEngineId, "reconnection should open a new engine session");

  ctx.step("whoami after reconnection");
  const after = await socket.emitWithAck("whoami");
  expectEqual(after.id, socket.id, "whoami id after reconnection");
  expectEqual(after.recovered, false, "whoami recovered after reconnection");
  expectEqual(after.rooms, [socket.id], "rooms after reconnection (nothing carried over)");

  if (ctx.mode === "upgrade") {
    ctx.step("upgrade to websocket after reconnection");
    await waitUpgrade(socket);
  }

  ctx.step("message after reconnection");
  const args = ["back", { again: true }];
  const back = waitFor(socket, "message-back");
  socket.emit("message", ...args);
  expectEqual(await back, args, "message-back after reconnection");

  return {
    trigger: externalRestart ? "external" : "transport.close",
    reason,
    oldSocketId,
    newSocketId: socket.id,
    oldEngineId,
    newEngineId,
    reconnectAttempts,
    transport: socket.io.engine.transport.name,
  };
});
