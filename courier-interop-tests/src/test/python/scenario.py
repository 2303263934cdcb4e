"""Shared plumbing for the Python client scenarios (as lib.js is for the Node ones): each is a program run by
PythonClientIT, which reads the single final JSON line it prints."""

import json
import os
import sys
import traceback

# COURIER_TRANSPORTS: polling only, WebSocket from the first request, or polling then the upgrade
MODES = {"polling": ["polling"], "websocket": ["websocket"], "upgrade": ["polling", "websocket"]}
TIMEOUT = 10  # seconds for any one step


def transports():
    return MODES[os.environ.get("COURIER_TRANSPORTS", "upgrade")]


def expect_equal(actual, expected, what):
    if actual != expected:
        raise AssertionError(f"{what}: expected {expected!r}, got {actual!r}")


def run(main):
    """Prints main()'s result, or {"ok": false, "error": ...} if it raised, as the final line, and exits."""
    try:
        result = main()
    except Exception as e:  # noqa: BLE001 - any failure is the scenario's result
        traceback.print_exc(file=sys.stderr)
        result = {"ok": False, "error": f"{type(e).__name__}: {e}"}
    print(json.dumps(result), flush=True)
    os._exit(0)  # the client's reader and writer threads would keep the process alive
