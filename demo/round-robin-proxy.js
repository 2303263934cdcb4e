"use strict";
// A round-robin TCP proxy for the cluster demo (./courier cluster-demo): each new connection goes to the next
// node in turn, as a load balancer without sticky sessions would send it. A WebSocket stays on the node it was
// sent to; polling requests on new connections land on any node.
//
//   node demo/round-robin-proxy.js LISTEN_PORT NODE_PORT...
const net = require("node:net");

const [listen, ...nodes] = process.argv.slice(2).map(Number);
if (!listen || nodes.length === 0 || [listen, ...nodes].some((p) => !Number.isInteger(p))) {
  console.error("usage: node round-robin-proxy.js LISTEN_PORT NODE_PORT...");
  process.exit(2);
}
let next = 0;
net
  .createServer((client) => {
    const upstream = net.connect(nodes[next++ % nodes.length], "127.0.0.1");
    client.pipe(upstream).pipe(client);
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
  })
  .listen(listen, "127.0.0.1", () =>
    console.log(`round-robin proxy on http://127.0.0.1:${listen} -> ${nodes.map((p) => `:${p}`).join(" ")}`));
