"use strict";
// Durable queues beyond the happy path, with the stock client:
// R5 backpressure: a subscriber that does not ack receives exactly the in-flight window (5 on this
//    server) and nothing more; each ack lets the next message through, in order.
// Continuity lost: a subscriber that was away while retention removed messages it had not acked
//    gets "courier:continuity-lost" {channel, fromSeq, toSeq} first, then the kept messages in order;
//    so does one that is online but behind (its window full) when retention removes what it was not sent.
//
// Env: COURIER_URL, COURIER_TRANSPORTS.  Server: ConformanceServer.startDurable with window 5 and
// 200 bytes of retention on the channels "tiny*".
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

  ctx.step("one cumulative ack acknowledges every earlier delivery of its channel");
  const batcher = connect("/", { auth: { clientId: "batcher" } });
  await waitConnect(batcher);
  const batch = [];
  batcher.on("item", (n, meta, ack) => batch.push({ n, seq: meta.seq, ack }));
  await batcher.emitWithAck("subscribe", "batched");
  for (let n = 0; n < 12; n++) await publish("batched", n);
  await roundTrip(batcher);
  expectEqual(batch.map((b) => b.n), [0, 1, 2, 3, 4], "the window");
  batch[2].ack({ cumulative: true }); // 0, 1 and 2: three places in the window
  await until(() => batch.length === 8);
  batch[7].ack({ cumulative: true });
  await until(() => batch.length === 12);
  batch[11].ack({ cumulative: true });
  await roundTrip(batcher);
  expectEqual(batch.map((b) => b.n), Array.from({ length: 12 }, (_, i) => i), "every message once, in order");
  batcher.disconnect();
  await publish("batched", 12);
  batch.length = 0;
  batcher.connect();
  await until(() => batch.length === 1);
  await roundTrip(batcher);
  expectEqual(batch.map((b) => b.seq), [13], "back: nothing acknowledged comes again");

  ctx.step("acknowledging once per batch of events received, as README shows");
  const reader = connect("/", { auth: { clientId: "reader" } });
  await waitConnect(reader);
  const read = [];
  let owed = null;
  reader.on("item", (n, meta, ack) => {
    read.push(meta.seq);
    if (owed === null) setTimeout(() => { owed({ cumulative: true }); owed = null; });
    owed = ack;
  });
  await reader.emitWithAck("subscribe", "batched-read");
  await Promise.all(Array.from({ length: 40 }, (_, n) => publish("batched-read", n)));
  await until(() => read.length === 40);
  expectEqual(read, Array.from({ length: 40 }, (_, i) => i + 1), "40 messages through a window of 5, in order");
  await until(() => owed === null);
  await roundTrip(reader);
  reader.disconnect();
  read.length = 0;
  reader.connect();
  await waitConnect(reader);
  await publish("batched-read", 40);
  await until(() => read.length === 1);
  expectEqual(read, [41], "back: the last batch's ack covered everything before it");

  ctx.step("retention removes what an online subscriber was not yet sent: the gap is announced");
  const behind = connect("/", { auth: { clientId: "behind" } });
  await waitConnect(behind);
  const seen = [];
  let holding = true;
  const acks = [];
  const record = (entry, ack) => {
    seen.push(entry);
    if (holding) acks.push(ack);
    else ack();
  };
  behind.on("courier:continuity-lost", (gap, ack) => record({ gap }, ack));
  behind.on("item", (n, meta, ack) => record({ seq: meta.seq }, ack));
  await behind.emitWithAck("subscribe", "tiny-online");
  // more than the server keeps encoded in memory for subscribers that are behind (512 per channel), so the
  // subscriber catches up from the store, where retention removed what it was not sent
  const total = 600;
  for (let n = 0; n < total; n += 50) {
    await Promise.all(Array.from({ length: 50 }, (_, i) => publish("tiny-online", `${n + i}`.padStart(40, "-"))));
  }
  // the window (5) is out and unacknowledged; wait until retention removed messages it has not been sent yet
  let online = await vendor.emitWithAck("channel-stats", "tiny-online");
  while (!(online.expiredThrough > total - 512)) {
    await new Promise((r) => setTimeout(r, 20));
    online = await vendor.emitWithAck("channel-stats", "tiny-online");
  }
  holding = false;
  acks.splice(0).forEach((ack) => ack());
  await until(() => seen.some((e) => e.seq === total));
  expectEqual(seen.slice(0, 5).map((e) => e.seq), [1, 2, 3, 4, 5], "the window before retention ran");
  expectNoSilentGap(seen, "tiny-online");
  expect(seen.some((e) => e.gap), `a continuity-lost event, got ${JSON.stringify(seen)}`);

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
  // retention keeps running while the subscriber catches up: later gaps are allowed, silent ones are not
  expectNoSilentGap(events, "tiny");
  return { gap: events[0].gap };
});

/**
 * Every seq from 1 to the last one is accounted for exactly once, in order: delivered, or inside an announced
 * continuity-lost range of the channel.
 */
function expectNoSilentGap(events, channel) {
  let next = 1;
  for (const e of events) {
    if (e.gap) {
      expectEqual([e.gap.channel, e.gap.fromSeq], [channel, next], `a gap starting where delivery stopped, in ${JSON.stringify(events)}`);
      expect(e.gap.toSeq >= e.gap.fromSeq, `a gap's range, got ${JSON.stringify(e.gap)}`);
      next = e.gap.toSeq + 1;
    } else {
      expectEqual(e.seq, next, `the next seq, in ${JSON.stringify(events)}`);
      next++;
    }
  }
}
