"use strict";
// Password guessing on the Admin UI login (/admin), as an attacker would try it. The server runs with
// --admin-password secret and admin.sessionTtl 2s (AdminUiIT).
//  - a session id works, then expires;
//  - a failed login closes the connection it came on: one connection cannot try again and again;
//  - 2,000 rapid guesses from one address: at most 5 are looked at, the rest are refused as blocked,
//    and while blocked even the right password is refused.
//
// Env: COURIER_URL, COURIER_TRANSPORTS.
// Final line: {ok, mode, elapsedMs, invalid, blocked}

const { io } = require("socket.io-client");
const { connect, waitConnect, waitConnectError, waitFor, expectEqual, expect, run } = require("./lib");

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

run("admin-login-limit", 120000, async (ctx) => {
  ctx.step("the right password: a 128-bit session id that works, then expires");
  const admin = connect("/admin", { auth: { username: "admin", password: "secret" } });
  const session = waitFor(admin, "session");
  await waitConnect(admin);
  const [sessionId] = await session;
  expect(/^[0-9a-f]{32}$/.test(sessionId), `session id of 128 bits in hex: ${sessionId}`);
  const again = connect("/admin", { auth: { sessionId }, reconnection: false });
  await waitConnect(again);
  again.disconnect();
  admin.disconnect();
  await sleep(3000); // admin.sessionTtl is 2s
  const late = await waitConnectError(connect("/admin", { auth: { sessionId }, reconnection: false }));
  expectEqual(late.message, "invalid credentials", "an expired session id"); // failure 1

  ctx.step("a failed login closes its connection, not just the namespace");
  const plain = io(process.env.COURIER_URL, { forceNew: true, reconnection: false, transports: ["websocket"] });
  const manager = plain.io;
  await waitConnect(plain);
  const closed = waitFor(manager, "close");
  const guess = manager.socket("/admin", { auth: { username: "admin", password: "guess" } });
  expectEqual((await waitConnectError(guess)).message, "invalid credentials", "refused"); // failure 2
  const [reason] = await closed;
  expectEqual(reason, "transport close", "the server closed the connection the guess came on");
  expect(!plain.connected, "the other namespace on that connection went with it");

  ctx.step("2,000 rapid guesses: at most 5 looked at, then blocked");
  const messages = {};
  for (let batch = 0; batch < 40; batch++) {
    const tries = [];
    for (let i = 0; i < 50; i++) {
      const s = connect("/admin", {
        auth: { username: "admin", password: `guess-${batch}-${i}` },
        reconnection: false,
        transports: ["websocket"],
      });
      tries.push(
        waitConnectError(s).then((err) => {
          const message = err.message.replace(/[0-9]+ s$/, "N s");
          messages[message] = (messages[message] || 0) + 1;
          s.close();
        }),
      );
    }
    await Promise.all(tries);
  }
  const invalid = messages["invalid credentials"] || 0;
  const blocked = messages["too many failed logins: try again in N s"] || 0;
  expectEqual(invalid + blocked, 2000, `every guess refused: ${JSON.stringify(messages)}`);
  expect(invalid <= 3, `at most 5 failures in all were looked at: ${JSON.stringify(messages)}`);

  ctx.step("while blocked, the right password is refused too");
  const right = await waitConnectError(
    connect("/admin", { auth: { username: "admin", password: "secret" }, reconnection: false }),
  );
  expect(/^too many failed logins: try again in \d+ s$/.test(right.message), `blocked: ${right.message}`);
  return { invalid, blocked };
});
