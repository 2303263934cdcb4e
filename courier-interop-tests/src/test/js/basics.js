"use strict";
// Official contract on "/" as the npm client sees it: auth handshake, echo, client ack, whoami.
// In upgrade mode it waits for the WebSocket upgrade and repeats the round trips over it, so the
// final "transport" key tells the Java side which transport really carried the session.
//
// Env: COURIER_URL, COURIER_TRANSPORTS.
// Final line: {ok, mode, elapsedMs, transport, initialTransport, upgraded, socketId, engineId}

const { connect, waitFor, waitConnect, waitUpgrade, expectEqual, expect, run } = require("./lib");

run("basics", 15000, async (ctx) => {
  ctx.step("connect /");
  const socket = connect("/", { auth: { token: "abc" } });
  // Sampled when the engine opens: on loopback the upgrade often completes before `connect`.
  let initialTransport = null;
  let upgraded = false;
  socket.io.once("open", () => {
    initialTransport = socket.io.engine.transport.name;
    socket.io.engine.once("upgrade", () => (upgraded = true));
  });
  // Registered before the connection completes: the server emits `auth` right after CONNECT.
  const auth = waitFor(socket, "auth");
  await waitConnect(socket);

  ctx.step("auth event");
  expectEqual(await auth, [{ token: "abc" }], "auth event args");

  const args = [1, "two", { three: 3 }];
  const echo = async (label) => {
    ctx.step(`message -> message-back (${label})`);
    const back = waitFor(socket, "message-back");
    socket.emit("message", ...args);
    expectEqual(await back, args, "message-back args");

    ctx.step(`message-with-ack (${label})`);
    // emitWithAck resolves with the first ack argument only; a callback sees the whole list.
    const acked = await new Promise((resolve) => socket.emit("message-with-ack", ...args, (...a) => resolve(a)));
    expectEqual(acked, args, "message-with-ack ack args");

    ctx.step(`whoami (${label})`);
    const me = await socket.emitWithAck("whoami");
    expectEqual(me.id, socket.id, "whoami id");
    expectEqual(me.recovered, false, "whoami recovered");
    expect(Array.isArray(me.rooms) && me.rooms.includes(socket.id), `whoami rooms lack own id: ${JSON.stringify(me)}`);
  };

  await echo("first");

  if (ctx.mode === "upgrade") {
    ctx.step("upgrade to websocket");
    await waitUpgrade(socket);
    expect(upgraded, `expected an upgrade from polling, engine opened on ${initialTransport}`);
    await echo("after upgrade");
  }

  const transport = socket.io.engine.transport.name;
  const expected = { polling: "polling", websocket: "websocket", upgrade: "websocket" }[ctx.mode];
  expect(transport === expected, `mode ${ctx.mode} ended on ${transport}`);
  expect(socket.id !== socket.io.engine.id, "socket id must differ from the engine id");
  return {
    transport,
    initialTransport,
    upgraded,
    socketId: socket.id,
    engineId: socket.io.engine.id,
  };
});
