"""A durable queue as a Python client sees it, against the standalone hub: subscribe, go away, miss three
publishes made over the HTTP API, come back and get them in order with { channel, id, seq }, acknowledge them
(python-socketio answers the ack request with the handler's return value), and get nothing again after that.

python-engineio 4 runs each message's handler on a thread of its own, so two deliveries that come back to back can
reach their handlers in either order (seen under load: one inversion in 200 deliveries that came in order). The order
the hub sent them in is read where the client reads its packets, one after the other, before those threads start.

Run by PythonClientIT with Debian's python3-socketio. Env: COURIER_URL, COURIER_TRANSPORTS (polling | websocket |
upgrade), COURIER_API_KEY. Prints one final JSON line {"ok": ..., "deliveries": [...], "wire": [...], "left": n,
"again": [...]} and exits: "deliveries" as the handlers got them, "wire" the pickups' seqs as the client read them.
"""

import json
import os
import queue
import time

import requests
import socketio
from engineio import packet

from scenario import TIMEOUT, run, transports

URL = os.environ["COURIER_URL"]
API = {"Authorization": "Bearer " + os.environ["COURIER_API_KEY"]}


def client(deliveries, wire=None):
    """A client whose pickups go to deliveries; with wire, their seqs too, in the order the client reads them."""
    sio = socketio.Client(reconnection=False)
    if wire is not None:
        receive = sio.eio._receive_packet  # called by the client's reading thread, once per packet, in order

        def in_wire_order(pkt):
            if pkt.packet_type == packet.MESSAGE and isinstance(pkt.data, str) and pkt.data.startswith("2"):
                # an EVENT on "/": 2, the ack id, the JSON array
                event = json.loads(pkt.data[1:].lstrip("0123456789"))
                if event[0] == "pickup":
                    wire.append(event[-1]["seq"])
            receive(pkt)

        sio.eio._receive_packet = in_wire_order

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

    wire = []
    sio = client(deliveries, wire)  # back: what it missed comes first, in order
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
    return {"ok": True, "published": published, "deliveries": got, "wire": wire, "left": left, "again": again}


if __name__ == "__main__":
    run(main)
