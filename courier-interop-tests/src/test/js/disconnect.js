"use strict";
// Server-side namespace disconnect (`disconnect-me`): the client must report "io server disconnect"
// and must NOT reconnect on its own, unlike after a transport drop. That
// half needs a quiet period by nature: 1 s is more than the client's reconnection delay (100-500 ms
// here), so an unwanted reconnection would have started by then. Then a manual connect(), the
// documented way back in, must work with a fresh socket id (recovery is off).
//
// Env: COURIER_URL, COURIER_TRANSPORTS.
// Final line: {ok, mode, elapsedMs, reason, reconnectAttempts, autoReconnects, oldSocketId, newSocketId}
// (reconnectAttempts and autoReconnects count what happened during the quiet period; both must be 0)

const { connect, waitFor, waitConnect, expectEqual, expect, run } = require("./lib");

run("disconnect", 15000, async (ctx) => {
  ctx.step("connect /");
  const socket = connect("/");
  await waitConnect(socket);
  const oldSocketId = (await socket.emitWithAck("whoami")).id;
  let autoReconnects = 0;
  let reconnectAttempts = 0;
  const onConnect = () => autoReconnects++;
  socket.on("connect", onConnect);
  socket.io.on("reconnect_attempt", () => reconnectAttempts++);

  ctx.step("disconnect-me");
  const disconnected = waitFor(socket, "disconnect");
  socket.emit("disconnect-me");
  const [reason] = await disconnected;
  expectEqual(reason, "io server disconnect", "disconnect reason");

  ctx.step("stays disconnected for 1 s");
  await new Promise((resolve) => setTimeout(resolve, 1000));
  expect(!socket.connected && !socket.active, "socket should stay disconnected and inactive");
  expectEqual(autoReconnects, 0, "automatic reconnections");
  expectEqual(reconnectAttempts, 0, "reconnect attempts");
  socket.off("connect", onConnect);

  ctx.step("manual reconnect");
  socket.connect();
  await waitConnect(socket);
  const again = await socket.emitWithAck("whoami");
  expectEqual(again.id, socket.id, "whoami id after manual reconnect");
  expect(again.id !== oldSocketId, "manual reconnect should get a new socket id");

  return { reason, reconnectAttempts, autoReconnects, oldSocketId, newSocketId: again.id };
});
