"use strict";
// The README's example of the hub's client protocol, run as it is written there (HubDeliveriesIT
// takes it from README.md): its code block (README_CLIENT) runs with `io` connecting to the server
// under test and `show` recording what the handler shows; then the README's first curl command
// (README_CURL, aimed at the server under test) publishes more arguments than the socket did.
// A handler that takes its arguments by position breaks there ("ack is not a function").
//
// Env: COURIER_URL, COURIER_TRANSPORTS, README_CLIENT, README_CURL.
// Final line: {ok, mode, elapsedMs, shown: [[args, id], ...], published: <the curl's answer>}

const { execFileSync } = require("node:child_process");
const { connect, until, expect, run } = require("./lib");

const README_URL = "http://127.0.0.1:3000";

run("hub-deliveries", 60000, async (ctx) => {
  const client = process.env.README_CLIENT;
  const curl = process.env.README_CURL;
  expect(client && client.includes(README_URL), "README_CLIENT: the README's client example");
  expect(curl && curl.includes(README_URL), "README_CURL: the README's curl command");

  ctx.step("the README's client code");
  const shown = [];
  const show = (...what) => shown.push(what);
  let socket;
  const io = (url, options) => {
    expect(url === README_URL, `the example connects to ${url}`);
    socket = connect("/", options);
    return socket;
  };
  const AsyncFunction = (async () => {}).constructor;
  await new AsyncFunction("io", "show", client)(io, show);
  await until(() => shown.length === 1);

  ctx.step("the README's curl");
  const out = execFileSync("bash", ["-c", curl.replaceAll(README_URL, process.env.COURIER_URL)], {
    encoding: "utf8",
  });
  const published = JSON.parse(out);
  expect(published.id !== undefined, `curl answered ${out}`);
  await until(() => shown.length === 2);
  // a handler that acknowledges on a timer of its own (the README's batching one, 100 ms) has run it: timers of the
  // same delay run in the order they were set
  await new Promise((resolve) => setTimeout(resolve, 100));

  // the handler's acks are sent after it returns (over polling, in a later POST): one round trip on the same socket
  // has them handled by the server before this script exits and closes the connection
  ctx.step("a round trip after the acks");
  await socket.emitWithAck("subscribe", "parcels");
  return { shown, published };
});
