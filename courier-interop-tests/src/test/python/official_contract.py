"""The official contract on "/" as python-socketio's client sees it: the auth event, echo, client acks, whoami,
binary payloads (top-level, nested, 100 KB) and acks the server asks for, over one transport mode.

Run by PythonClientIT with Debian's python3-socketio (python-socketio 5.7, Engine.IO v4 / Socket.IO v5).
Env: COURIER_URL, COURIER_TRANSPORTS (polling | websocket | upgrade).
Prints one final JSON line {"ok": ..., "transport": ..., "checks": ...} (or {"ok": false, "error": ...}) and exits.
"""

import os
import queue

import socketio

from scenario import TIMEOUT, expect_equal, run, transports


def main():
    mode = os.environ.get("COURIER_TRANSPORTS", "upgrade")
    sio = socketio.Client(reconnection=False)
    events = {name: queue.Queue() for name in ("auth", "message-back", "ack-received")}
    for name, q in events.items():
        sio.on(name, lambda *args, q=q: q.put(list(args)))
    asked = queue.Queue()
    replies = queue.Queue()

    @sio.on("please-ack")
    def please_ack(*args):
        asked.put(list(args))
        return replies.get(timeout=TIMEOUT)  # a tuple: its items are the ack's arguments

    def next_of(name):
        return events[name].get(timeout=TIMEOUT)

    checks = 0
    sio.connect(os.environ["COURIER_URL"], auth={"token": "abc"}, transports=transports(), wait_timeout=TIMEOUT)
    expect_equal(next_of("auth"), [{"token": "abc"}], "auth event")
    checks += 1

    args = (1, "two", {"three": 3})
    sio.emit("message", args)
    expect_equal(next_of("message-back"), list(args), "message-back")
    expect_equal(sio.call("message-with-ack", args, timeout=TIMEOUT), args, "message-with-ack's ack")
    me = sio.call("whoami", timeout=TIMEOUT)
    expect_equal(me["id"], sio.get_sid("/"), "whoami id")
    checks += 3

    top = bytes([0x00, 0x01, 0x02, 0xFF])
    nested = "nested \u00e9\u00e8".encode()
    sio.emit("message", (top, {"data": nested, "list": [bytes([0xDE, 0xAD])], "label": "x"}))
    expect_equal(next_of("message-back"), [top, {"data": nested, "list": [bytes([0xDE, 0xAD])], "label": "x"}],
                 "binary message-back")
    expect_equal(sio.call("message-with-ack", (top, {"data": nested}), timeout=TIMEOUT), (top, {"data": nested}),
                 "binary ack")
    large = os.urandom(100 * 1024)
    expect_equal(sio.call("message-with-ack", large, timeout=TIMEOUT), large, "100 KB ack")
    checks += 3

    for request, reply in (((["x", 42]), ("reply", {"n": 1})), (([{"nested": [1, 2]}]), ("second", {"n": 2}, None))):
        replies.put(reply)
        sio.emit("request-ack", tuple(request))
        expect_equal(asked.get(timeout=TIMEOUT), request, "please-ack args")
        expect_equal(next_of("ack-received"), list(reply), "ack-received")
        checks += 1

    transport = sio.transport()
    expect_equal(transport, "polling" if mode == "polling" else "websocket", "transport at the end")
    sio.disconnect()
    return {"ok": True, "mode": mode, "transport": transport, "checks": checks}


if __name__ == "__main__":
    run(main)
