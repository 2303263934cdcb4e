"use strict";
// Durable queues with the stock client and the hub protocol (subscribe / publish with acks).
// A "driver" connects as a durable identity (auth.clientId) and subscribes to "parcels"; a "vendor"
// publishes. Deliveries carry the published args plus {channel, id, seq} and an ack request.
//
// 1. live delivery; 2. the driver goes offline, the vendor publishes, the driver comes back and gets
// every missed parcel in order; 3. with COURIER_RESTART=1: the same across a server restart (the Java
// side restarts the server on {"phase":"restart"}); the driver does not subscribe again.
//
// Env: COURIER_URL, COURIER_TRANSPORTS, COURIER_RESTART.
// Final line: {ok, mode, elapsedMs, delivered, duplicates}

const { connect, waitConnect, waitFor, until, expectEqual, expect, run } = require("./lib");

run("durable", 60000, async (ctx) => {
  const restart = process.env.COURIER_RESTART === "1";
  ctx.step("the driver connects as a durable identity and subscribes; the vendor connects anonymously");
  const driver = connect("/", { auth: { clientId: "driver-1" } });
  const vendor = connect("/");
  await Promise.all([waitConnect(driver), waitConnect(vendor)]);
  const received = [];
  driver.on("parcel", (...args) => {
    const ack = args.pop();
    expect(typeof ack === "function", "a durable delivery asks for an ack");
    received.push(args);
    ack();
  });
  expectEqual(await driver.emitWithAck("subscribe", "parcels"), { ok: true, channel: "parcels", window: 256 }, "subscribe reply");

  const published = [];
  const publish = async (n) => {
    const reply = await vendor.emitWithAck("publish", "parcels", "parcel", { n }, `p${n}`);
    expect(reply.ok === true && typeof reply.id === "string", `publish reply, got ${JSON.stringify(reply)}`);
    published.push(reply.id);
  };
  const firstDeliveries = () => {
    const seen = new Set();
    return received.filter((r) => (seen.has(r[2].id) ? false : seen.add(r[2].id)));
  };

  ctx.step("live delivery while connected");
  for (let n = 0; n < 5; n++) await publish(n);
  await until(() => firstDeliveries().length === 5);

  ctx.step("the driver goes offline; 20 parcels are published meanwhile");
  driver.disconnect();
  for (let n = 5; n < 25; n++) await publish(n);

  ctx.step("the driver comes back and gets every missed parcel, in order");
  driver.connect();
  await until(() => firstDeliveries().length === 25);
  let total = 25;

  if (restart) {
    ctx.step("offline again; 10 more parcels; the server restarts");
    driver.disconnect();
    for (let n = 25; n < 35; n++) await publish(n);
    const down = waitFor(vendor, "disconnect");
    ctx.phase({ phase: "restart" });
    await down;
    await waitFor(vendor, "connect");
    ctx.step("the driver reconnects to the new process without subscribing again");
    driver.connect();
    total = 35;
    await until(() => firstDeliveries().length === total);
  }

  const first = firstDeliveries();
  expectEqual(
    first.map((r) => r[0].n),
    Array.from({ length: total }, (_, i) => i),
    "parcels in publish order",
  );
  expectEqual(first.map((r) => r[1]), Array.from({ length: total }, (_, i) => `p${i}`), "second argument");
  expectEqual(first.map((r) => r[2].id), published, "ids as the publisher got them");
  expect(first.every((r) => r[2].channel === "parcels"), "channel in the last argument");
  expect(first.every((r) => r.length === 3), "nothing else appended");
  return { delivered: received.length, duplicates: received.length - first.length };
});
