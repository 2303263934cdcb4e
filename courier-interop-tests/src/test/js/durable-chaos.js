"use strict";
// R1: kill -9 mid-stream. Publishers publish to a durable channel while durable subscribers consume
// and ack; at seeded random moments this script prints {"phase":"kill"} and the Java side kills the
// server process with SIGKILL and starts it again on the same port and data directory. The clients
// reconnect by themselves. At the end a checker in the spirit of the rabbitmq/jepsen queue checker
// counts, over all subscribers:
//   lost        publishes acknowledged as durable that a subscriber never received (must be 0)
//   recovered   publishes with an unknown outcome (no ack before the kill) that were delivered anyway
//   unexpected  deliveries of something never published (must be 0)
//   duplicated  deliveries beyond the first of a message (allowed: at-least-once)
//   reordered   first deliveries out of publish order within one publisher (must be 0)
//   announced   seqs announced lost (courier:continuity-lost): a kill in the middle of a write leaves a torn
//               record that was never acknowledged; the server announces it rather than reuse its seq
//   announcedAcked  acknowledged publishes whose seq lies in an announced range (must be 0: an announced
//               range may only hold publishes that were never acknowledged)
//
// Env: COURIER_URL, COURIER_TRANSPORTS, SEED, CYCLES, SUBSCRIBERS, PUBLISHERS.
// Final line: {ok, lost, recovered, unexpected, duplicated, reordered, announced, announcedAcked, published,
//              acked, deliveries, ackedKeys}

const { connect, waitConnect, until, expectEqual, run } = require("./lib");

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

run("durable-chaos", 240000, async (ctx) => {
  const seed = Number(process.env.SEED || 1);
  const cycles = Number(process.env.CYCLES || 5);
  const subscriberCount = Number(process.env.SUBSCRIBERS || 20);
  const publisherCount = Number(process.env.PUBLISHERS || 3);
  const random = mulberry32(seed);
  const channel = "chaos";

  ctx.step("subscribers connect as durable identities and subscribe");
  const subscribers = [];
  const seqOf = new Map(); // key -> the seq it was delivered with
  for (let i = 0; i < subscriberCount; i++) {
    const socket = connect("/", { auth: { clientId: `sub-${seed}-${i}` } });
    const seen = { socket, deliveries: [], gaps: [] };
    socket.on("tick", (body, meta, ack) => {
      seen.deliveries.push(body.key);
      seqOf.set(body.key, meta.seq);
      ack();
    });
    socket.on("courier:continuity-lost", (gap, ack) => {
      seen.gaps.push(gap);
      ack();
    });
    subscribers.push(seen);
  }
  await Promise.all(subscribers.map((s) => waitConnect(s.socket)));
  for (const s of subscribers) {
    expectEqual(await s.socket.emitWithAck("subscribe", channel), { ok: true, channel, window: 256 }, "subscribe reply");
  }

  ctx.step("publishers run; the server is killed and restarted");
  const invoked = new Map(); // key -> "ok" | "fail" | "unknown"
  let publishing = true;
  const publishers = [];
  for (let p = 0; p < publisherCount; p++) {
    const socket = connect("/");
    await waitConnect(socket);
    publishers.push(
      (async () => {
        for (let n = 0; publishing; n++) {
          const key = `${p}:${n}`;
          invoked.set(key, "unknown");
          if (!socket.connected) {
            await sleep(50);
          }
          try {
            const reply = await socket.timeout(3000).emitWithAck("publish", channel, "tick", { key });
            invoked.set(key, reply.ok ? "ok" : "fail");
          } catch (e) {
            // no answer: the outcome stays unknown (maybe stored, maybe not)
          }
        }
      })(),
    );
  }
  for (let c = 0; c < cycles; c++) {
    await sleep(1000 + Math.floor(random() * 2000));
    ctx.phase({ phase: "kill", cycle: c });
    await sleep(500);
    await until(() => publishers.length > 0 && subscribers.every((s) => s.socket.connected));
  }
  await sleep(1000);
  publishing = false;
  await Promise.all(publishers);

  ctx.step("every subscriber receives every acknowledged publish");
  const acked = [...invoked].filter(([, v]) => v === "ok").map(([k]) => k);
  const deadline = Date.now() + 60000;
  const missing = (s) => {
    const got = new Set(s.deliveries);
    return acked.filter((k) => !got.has(k)).length;
  };
  await until(() => Date.now() > deadline || subscribers.every((s) => missing(s) === 0));

  let lost = 0;
  let unexpected = 0;
  let duplicated = 0;
  let reordered = 0;
  const recoveredKeys = new Set();
  const announcedSeqs = new Set();
  for (const s of subscribers) {
    for (const gap of s.gaps) {
      for (let q = gap.fromSeq; q <= gap.toSeq && q - gap.fromSeq < 100000; q++) announcedSeqs.add(q);
    }
  }
  const announcedAcked = acked.filter((k) => seqOf.has(k) && announcedSeqs.has(seqOf.get(k))).length;
  for (const s of subscribers) {
    lost += missing(s);
    const first = new Set();
    const lastByPublisher = new Map();
    for (const key of s.deliveries) {
      if (!invoked.has(key)) {
        unexpected++;
        continue;
      }
      if (first.has(key)) {
        duplicated++;
        continue;
      }
      first.add(key);
      if (invoked.get(key) !== "ok") recoveredKeys.add(key);
      const [p, n] = key.split(":").map(Number);
      if (lastByPublisher.has(p) && lastByPublisher.get(p) > n) reordered++;
      lastByPublisher.set(p, n);
    }
  }
  return {
    lost,
    recovered: recoveredKeys.size,
    unexpected,
    duplicated,
    reordered,
    announced: announcedSeqs.size,
    announcedAcked,
    published: invoked.size,
    acked: acked.length,
    deliveries: subscribers.reduce((n, s) => n + s.deliveries.length, 0),
    ackedKeys: acked, // for the Java client subscriber that the Java side runs next to these
  };
});
