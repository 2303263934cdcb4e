"use strict";
// Shared plumbing for the interop scenarios. Each scenario is a standalone program run by the Java
// side (courier-interop-tests, *IT), which parses the single final JSON line on stdout. Keeping the
// output contract here means every scenario reports, times out and cleans up the same way.
//
// Environment:
//   COURIER_URL         base URL of the server under test, e.g. http://127.0.0.1:40123 (required)
//   COURIER_TRANSPORTS  polling | websocket | upgrade (default upgrade)
//   COURIER_TIMEOUT_MS  overrides the scenario's own overall timeout (for slow machines)
//   COURIER_PARSER      default | msgpack (default: default): msgpack gives every client
//                       parser: require("socket.io-msgpack-parser"), for a server with Parser.MSGPACK

const assert = require("node:assert");
const { io, Manager } = require("socket.io-client");

const MODES = {
  // Polling only: exercises the long-polling framing and never tries WebSocket.
  polling: { transports: ["polling"], upgrade: false },
  // WebSocket from the first request, without the polling handshake.
  websocket: { transports: ["websocket"] },
  // The browser default minus webtransport: start on polling, then upgrade.
  upgrade: { transports: ["polling", "websocket"], upgrade: true },
};

function mode() {
  const name = process.env.COURIER_TRANSPORTS || "upgrade";
  if (!Object.prototype.hasOwnProperty.call(MODES, name)) {
    throw new Error(`COURIER_TRANSPORTS must be one of ${Object.keys(MODES).join(", ")}, got "${name}"`);
  }
  return name;
}

function baseUrl() {
  const url = process.env.COURIER_URL;
  if (!url) throw new Error("COURIER_URL is not set");
  return url.replace(/\/+$/, "");
}

// Every socket and manager a scenario opens, so that the final report can close them all and the
// process exits promptly instead of waiting on reconnection timers or open long-polls.
const opened = new Set();

// The wire format the server speaks: every client must match it.
function parserOption() {
  const name = process.env.COURIER_PARSER || "default";
  if (name === "default") return {};
  if (name === "msgpack") return { parser: require("socket.io-msgpack-parser") };
  throw new Error(`COURIER_PARSER must be default or msgpack, got "${name}"`);
}

function clientOptions(extra) {
  return {
    ...MODES[mode()],
    ...parserOption(),
    // Short reconnection delays keep the reconnect scenarios fast; they change nothing on the wire.
    reconnectionDelay: 100,
    reconnectionDelayMax: 500,
    ...extra,
  };
}

/**
 * Opens a socket on `nsp` with its own engine connection (forceNew) unless `extra` says otherwise,
 * so scenarios never share a connection by accident through the client's manager cache.
 */
function connect(nsp = "/", extra = {}) {
  const socket = io(baseUrl() + nsp, clientOptions({ forceNew: true, ...extra }));
  opened.add(socket);
  watchDrops(socket.io);
  return socket;
}

/** A manager for multiplexing several namespaces over one engine connection. */
function manager(extra = {}) {
  const m = new Manager(baseUrl(), clientOptions(extra));
  opened.add(m);
  watchDrops(m);
  return m;
}

// Engine-level closes seen so far. A dropped connection (say a missed heartbeat) usually shows up
// later as a timeout in some unrelated step; the failure line lists these so the cause is visible.
const drops = [];
const loadedAt = Date.now();

function watchDrops(m, label) {
  m.on("close", (reason, details) => {
    if (drops.length >= 20) return;
    const why = details && (details.description ?? details.message);
    const name = typeof label === "function" ? label() : label;
    const at = `+${Date.now() - loadedAt} ms`;
    drops.push(`${name ? name + ": " : ""}${reason}${why !== undefined ? ` (${why})` : ""} ${at}`);
  });
}

/** Resolves with the argument list of the next `event` on `emitter`. */
function waitFor(emitter, event) {
  return new Promise((resolve) => emitter.once(event, (...args) => resolve(args)));
}

/**
 * Resolves once the socket is connected; rejects on connect_error, because a refused or failed
 * first connection is the answer we want to report, not something to retry until the timeout.
 */
function waitConnect(socket) {
  if (socket.connected) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onConnect = () => {
      socket.off("connect_error", onError);
      resolve();
    };
    const onError = (err) => {
      socket.off("connect", onConnect);
      reject(new Error(`connect_error on ${socket.nsp}: ${err && err.message}`));
    };
    socket.once("connect", onConnect);
    socket.once("connect_error", onError);
  });
}

/** Resolves with the Error of the next connect_error; rejects if the socket connects instead. */
function waitConnectError(socket) {
  return new Promise((resolve, reject) => {
    const onError = (err) => {
      socket.off("connect", onConnect);
      resolve(err);
    };
    const onConnect = () => {
      socket.off("connect_error", onError);
      reject(new Error(`expected connect_error on ${socket.nsp}, but it connected`));
    };
    socket.once("connect_error", onError);
    socket.once("connect", onConnect);
  });
}

/**
 * Resolves once the engine runs on WebSocket. In upgrade mode the upgrade happens after the
 * connection, so a scenario that reports the transport must wait for it rather than sample early.
 */
function waitUpgrade(socket) {
  const engine = socket.io.engine;
  if (engine.transport.name === "websocket") return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onUpgrade = () => {
      engine.off("upgradeError", onError);
      resolve();
    };
    const onError = (err) => {
      engine.off("upgrade", onUpgrade);
      reject(new Error(`upgrade failed: ${err && err.message}`));
    };
    engine.once("upgrade", onUpgrade);
    engine.once("upgradeError", onError);
  });
}

/** Records the argument lists of every `event` on `socket`, for "received nothing" checks. */
function record(socket, event) {
  const received = [];
  socket.on(event, (...args) => received.push(args));
  return received;
}

/** Resolves once `predicate()` holds; polls, because the state it reads is filled by listeners. */
function until(predicate) {
  return new Promise((resolve) => {
    const check = () => (predicate() ? resolve() : setTimeout(check, 5));
    check();
  });
}

/**
 * One acknowledged round trip. The server answers events on one connection in order, so once the
 * ack is back, anything the server sent to this socket before handling the request has arrived.
 */
function roundTrip(socket) {
  return socket.emitWithAck("whoami");
}

// Keeps failure lines readable when the values are long (the 100 KB buffers, 200 clients).
function brief(value) {
  const s = JSON.stringify(value);
  return s !== undefined && s.length > 300 ? `${s.slice(0, 300)}... (${s.length} chars)` : s;
}

function expectEqual(actual, expected, what) {
  try {
    assert.deepStrictEqual(actual, expected);
  } catch (e) {
    throw new Error(`${what}: expected ${brief(expected)}, got ${brief(actual)}`);
  }
}

function expect(condition, message) {
  if (!condition) throw new Error(message);
}

/** Hex of any binary value the client may hand over (Buffer in Node, ArrayBuffer or a view). */
function hex(value) {
  if (Buffer.isBuffer(value)) return value.toString("hex");
  if (value instanceof ArrayBuffer) return Buffer.from(value).toString("hex");
  if (ArrayBuffer.isView(value)) {
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("hex");
  }
  throw new Error(`expected binary data, got ${brief(value)}`);
}

function closeAll() {
  for (const s of opened) {
    try {
      if (s instanceof Manager) {
        s._close();
      } else {
        s.disconnect();
        // forceNew sockets own their manager; closing it also stops a pending reconnection timer
        // when the socket never got connected. _close() is internal but stable in the pinned client.
        s.io._close();
      }
    } catch (_) {
      // Best effort: we are exiting anyway.
    }
  }
  opened.clear();
}

/**
 * Runs `scenario(ctx)` under an overall timeout and prints exactly one final JSON line:
 * `{"ok":true,"mode":...,"elapsedMs":...,...details}` or `{"ok":false,"error":...,"step":...}`,
 * the latter with `engineCloses` (reasons, in order) when engine connections had closed before.
 * `ctx.step(name)` names what the scenario is doing, so a timeout says where it got stuck.
 * `ctx.phase(obj)` prints an intermediate line (with a "phase" key, never an "ok" key).
 */
function run(name, timeoutMs, scenario) {
  const started = Date.now();
  let currentStep = "start";
  let finished = false;

  const finish = (code, report) => {
    if (finished) return;
    finished = true;
    clearTimeout(guard);
    closeAll();
    process.stdout.write(JSON.stringify(report) + "\n", () => process.exit(code));
  };
  const fail = (err) => {
    const report = { ok: false, error: String((err && err.message) || err), step: `${name}: ${currentStep}` };
    // Snapshot before closeAll(), whose own closes would be noise.
    if (drops.length > 0) report.engineCloses = [...drops];
    finish(1, report);
  };

  const override = Number(process.env.COURIER_TIMEOUT_MS);
  const limit = Number.isFinite(override) && override > 0 ? override : timeoutMs;
  const guard = setTimeout(() => fail(new Error(`timed out after ${limit} ms`)), limit);
  process.on("uncaughtException", fail);
  process.on("unhandledRejection", fail);

  const ctx = {
    step(s) {
      currentStep = s;
    },
    phase(obj) {
      if (!finished) process.stdout.write(JSON.stringify(obj) + "\n");
    },
  };

  Promise.resolve()
    .then(() => {
      ctx.mode = mode();
      baseUrl();
      return scenario(ctx);
    })
    .then(
      (details) => finish(0, { ok: true, mode: ctx.mode, elapsedMs: Date.now() - started, ...details }),
      fail,
    );
}

module.exports = {
  parserOption,
  watchDrops,
  connect,
  manager,
  waitFor,
  waitConnect,
  waitConnectError,
  waitUpgrade,
  record,
  until,
  roundTrip,
  expectEqual,
  expect,
  hex,
  run,
};
