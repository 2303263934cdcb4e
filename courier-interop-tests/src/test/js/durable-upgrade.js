"use strict";
// R4, upgrade race, for durable deliveries: messages are published without pause while two durable
// subscribers connect over polling and upgrade to websocket. "smooth" upgrades normally: it must get
// every message exactly once, in order. "cut" closes its probe websocket right after the 3probe
// (before the "5" upgrade packet), so its connection is lost mid-upgrade and it reconnects: it must
// still get every message, first deliveries in order (a redelivery of an unacknowledged one is allowed).
//
// Env: COURIER_URL (COURIER_TRANSPORTS is ignored: the subscribers use upgrade, the vendor websocket).
// Final line: {ok, mode, elapsedMs, published, cutDuplicates}

const { connect, waitConnect, until, expectEqual, expect, run } = require("./lib");

run("durable-upgrade", 90000, async (ctx) => {
  const total = 150;
  ctx.step("both identities subscribe, then leave");
  for (const id of ["smooth", "cut"]) {
    const s = connect("/", { auth: { clientId: id }, transports: ["websocket"] });
    await waitConnect(s);
    expectEqual(await s.emitWithAck("subscribe", "stream"), { ok: true, channel: "stream", window: 256 }, `subscribe ${id}`);
    s.disconnect();
  }

  ctx.step("publishing runs while the subscribers connect and upgrade");
  const vendor = connect("/", { transports: ["websocket"] });
  await waitConnect(vendor);
  const ids = [];
  const publishing = (async () => {
    for (let n = 0; n < total; n++) {
      const reply = await vendor.emitWithAck("publish", "stream", "item", n);
      expect(reply.ok === true, `publish reply ${JSON.stringify(reply)}`);
      ids.push(reply.id);
    }
  })();

  const got = { smooth: [], cut: [] };
  const subscriber = (id) => {
    const s = connect("/", { auth: { clientId: id }, transports: ["polling", "websocket"], upgrade: true });
    s.on("item", (n, meta, ack) => {
      got[id].push(meta.id);
      ack();
    });
    return s;
  };
  await until(() => ids.length >= 20);
  const smooth = subscriber("smooth");
  const cut = subscriber("cut");
  let cutDone = false;
  cut.io.on("open", () => {
    cut.io.engine.once("upgrading", (transport) => {
      if (!cutDone) {
        cutDone = true;
        transport.close(); // after 3probe, before 5
      }
    });
  });
  await waitConnect(smooth);
  await publishing;

  ctx.step("every message reaches both");
  const firsts = (list) => list.filter((id, i) => list.indexOf(id) === i);
  await until(() => firsts(got.smooth).length === total && firsts(got.cut).length === total);
  expect(cutDone, "the cut subscriber's upgrade was cut");
  expectEqual(smooth.io.engine.transport.name, "websocket", "smooth upgraded");
  expectEqual(got.smooth, ids, "smooth: every message exactly once, in order");
  expectEqual(firsts(got.cut), ids, "cut: every message, first deliveries in order");
  return { published: total, cutDuplicates: got.cut.length - total };
});
