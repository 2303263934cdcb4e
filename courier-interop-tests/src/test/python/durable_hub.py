"""A durable queue as a Python client sees it, against the standalone hub: subscribe, go away, miss three
publishes made over the HTTP API, come back and get them in order with { channel, id, seq }, acknowledge them
(python-socketio answers the ack request with the handler's return value), and get nothing again after that.

Run by PythonClientIT with Debian's python3-socketio. Env: COURIER_URL, COURIER_TRANSPORTS (polling | websocket |
upgrade), COURIER_API_KEY. Prints one final JSON line {"ok": ..., "deliveries": [...], "left": n} and exits.
"""

import os
import queue
import time

import requests
import socketio

from scenario import TIMEOUT, run, transports

URL = os.environ["COURIER_URL"]
API = {"Authorization": "Bearer " + os.environ["COURIER_API_KEY"]}


def client(deliveries):
    sio = socketio.Client(reconnection=False)

    @sio.on("pickup")
    def pickup(*args):
        *published, meta = args
        deliveries.put({"args": published, "channel": meta["channel"], "id": meta["id"], "seq": meta["seq"]})
        return None  # an empty ack: the hub moves this client's cursor past it

    sio.connect(URL, auth={"clientId": "py-driver"}, transports=transports(),
                wait_timeout=TIMEOUT)
    return sio


def channel_messages():
    r = requests.get(URL + "/api/channels/parcels", headers=API, timeout=TIMEOUT)
    r.raise_for_status()
    return r.json()["messages"]


def main():
    deliveries = queue.Queue()
    sio = client(deliveries)
    subscribed = sio.call("subscribe", "parcels", timeout=TIMEOUT)
    if not subscribed.get("ok"):
        raise AssertionError(f"subscribe refused: {subscribed}")
    sio.disconnect()

    published = []
    for n in (1, 2, 3):
        r = requests.post(URL + "/api/publish", headers=API, timeout=TIMEOUT,
                          json={"channel": "parcels", "event": "pickup", "args": [{"parcel": n}]})
        r.raise_for_status()
        published.append(r.json()["id"])

    sio = client(deliveries)  # back: what it missed comes first, in order
    got = [deliveries.get(timeout=TIMEOUT) for _ in published]
    deadline = time.monotonic() + TIMEOUT  # all three acknowledged: the channel keeps none of them
    while channel_messages() != 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    left = channel_messages()
    sio.disconnect()

    sio = client(deliveries)  # and once acknowledged, never again
    time.sleep(1)
    again = [deliveries.get_nowait() for _ in range(deliveries.qsize())]
    sio.disconnect()
    return {"ok": True, "published": published, "deliveries": got, "left": left, "again": again}


if __name__ == "__main__":
    run(main)
