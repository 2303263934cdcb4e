"use strict";
// Durable queues beyond the happy path, with the stock client:
// R5 backpressure: a subscriber that does not ack receives exactly the in-flight window (5 on this
//    server) and nothing more; each ack lets the next message through, in order.
// Continuity lost: a subscriber that was away while retention removed messages it had not acked
//    gets "courier:continuity-lost" {channel, fromSeq, toSeq} first, then the kept messages in order.
//
// Env: COURIER_URL, COURIER_TRANSPORTS.  Server: ConformanceServer.startDurable with window 5 and
// 200 bytes of retention on channel "tiny".
// Final line: {ok, mode, elapsedMs, gap}

const { connect, waitConnect, until, roundTrip, expectEqual, expect, run } = require("./lib");

run("durable-flow", 60000, async (ctx) => {
  const vendor = connect("/");
  await waitConnect(vendor);
  const publish = async (channel, n) => {
    const reply = await vendor.emitWithAck("publish", channel, "item", n);
    expect(reply.ok === true, `publish reply, got ${JSON.stringify(reply)}`);
  };

  ctx.step("a subscriber that does not ack gets the window and no more");
  const slow = connect("/", { auth: { clientId: "slow" } });
  await waitConnect(slow);
  const held = [];
  slow.on("item", (n, meta, ack) => held.push({ n, ack }));
  await slow.emitWithAck("subscribe", "firehose");
  for (let n = 0; n < 30; n++) await publish("firehose", n);
  await roundTrip(slow); // everything the server sent before this answer has arrived
  expectEqual(held.map((h) => h.n), [0, 1, 2, 3, 4], "deliveries while nothing is acked");

  ctx.step("each ack lets one more through, in order");
  for (let i = 0; i < 30; i++) {
    held[i].ack();
    if (i + 5 < 30) await until(() => held.length === i + 6);
  }
  await roundTrip(slow);
  expectEqual(held.map((h) => h.n), Array.from({ length: 30 }, (_, i) => i), "every message once, in order");

  ctx.step("a subscriber away while retention removes what it did not ack");
  const late = connect("/", { auth: { clientId: "late" } });
  await waitConnect(late);
  const events = [];
  late.on("courier:continuity-lost", (gap, ack) => {
    events.push({ gap });
    ack();
  });
  late.on("item", (n, meta, ack) => {
    events.push({ n, seq: meta.seq });
    ack();
  });
  await late.emitWithAck("subscribe", "tiny");
  late.disconnect();
  for (let n = 0; n < 20; n++) await publish("tiny", `${n}`.padStart(40, "-"));
  // retention runs in the server's maintenance (every 100 ms here): poll until it removed something
  let stats = await vendor.emitWithAck("channel-stats", "tiny");
  while (!(stats.expiredThrough > 0)) {
    await new Promise((r) => setTimeout(r, 20));
    stats = await vendor.emitWithAck("channel-stats", "tiny");
  }

  ctx.step("back: continuity lost first, then the kept messages");
  late.connect();
  await until(() => events.some((e) => e.seq === 20));
  const gap = events[0].gap;
  expect(gap !== undefined, `the first event is the gap, got ${JSON.stringify(events[0])}`);
  expectEqual([gap.channel, gap.fromSeq], ["tiny", 1], "the gap's channel and start");
  expect(gap.toSeq >= stats.expiredThrough && gap.toSeq < 20, `the gap's end, got ${gap.toSeq}`);
  expectEqual(
    events.slice(1).map((e) => e.seq),
    Array.from({ length: 20 - gap.toSeq }, (_, i) => gap.toSeq + 1 + i),
    "kept messages after the gap, in order",
  );
  return { gap: events[0].gap };
});
