"use strict";
// R7, disk full, end to end: the server's durable store sits on a small tmpfs that is nearly full.
// The vendor publishes 2 KB messages until a publish is refused; the refusal must be an explicit
// {ok:false, error} that names the lack of space, and the server must go on serving: the durable
// subscriber receives every publish that was acknowledged. Then the Java side frees space (on
// {"phase":"free"}) and publishing works again. Refused publishes use up no seq: a burst of them while the disk is
// full leaves no hole, so the first publish after space comes back has the seq right after the last acknowledged one.
//
// Env: COURIER_URL, COURIER_TRANSPORTS.
// Final line: {ok, mode, elapsedMs, acked, error}

const { connect, waitConnect, until, expectEqual, expect, run } = require("./lib");

run("durable-diskfull", 60000, async (ctx) => {
  const watcher = connect("/", { auth: { clientId: "watcher" } });
  const vendor = connect("/");
  await Promise.all([waitConnect(watcher), waitConnect(vendor)]);
  const got = [];
  const seqs = [];
  watcher.on("item", (n, filler, meta, ack) => {
    got.push(n);
    seqs.push(meta.seq);
    ack();
  });
  await watcher.emitWithAck("subscribe", "full");

  ctx.step("publish until the disk is full");
  const filler = "x".repeat(2048);
  const acked = [];
  let refusal;
  for (let n = 0; n < 5000 && !refusal; n++) {
    const reply = await vendor.emitWithAck("publish", "full", "item", n, filler);
    if (reply.ok) acked.push(n);
    else refusal = reply;
  }
  expect(refusal !== undefined, "a publish was refused before 5000 x 2 KB");
  expect(/space/i.test(refusal.error), `the refusal names the lack of space, got ${JSON.stringify(refusal)}`);

  ctx.step("the server goes on: the subscriber gets everything acknowledged");
  await until(() => got.length >= acked.length);
  expectEqual(got.slice(0, acked.length), acked, "acknowledged publishes, in order");

  ctx.step("a burst of publishes while the disk is full: all refused");
  const burst = await Promise.all(
    Array.from({ length: 50 }, (_, i) => vendor.emitWithAck("publish", "full", "item", `burst${i}`, filler)),
  );
  expect(burst.every((reply) => !reply.ok), `every publish refused, got ${JSON.stringify(burst.filter((r) => r.ok))}`);
  expect(
    burst.every((reply) => /space/i.test(reply.error)),
    `every refusal names the lack of space, got ${JSON.stringify(burst.find((r) => !/space/i.test(r.error)))}`,
  );

  ctx.step("space comes back: publishing works again");
  ctx.phase({ phase: "free" });
  let again;
  for (let i = 0; i < 200; i++) {
    again = await vendor.emitWithAck("publish", "full", "item", "after", filler);
    if (again.ok) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  expect(again.ok === true, `publish after freeing space, got ${JSON.stringify(again)}`);
  await until(() => got.includes("after"));
  const dense = seqs.slice(0, got.indexOf("after") + 1);
  expectEqual(dense, dense.map((_, i) => i + 1), "seqs of the deliveries: no hole where publishes were refused");
  return { acked: acked.length, error: refusal.error, afterSeq: seqs[got.indexOf("after")] };
});
