#!/usr/bin/env python3
"""A small bot on the standard library only: polls the forecast and the latest signals, and
verifies the webhooks the service sends to its receiver (Standard Webhooks, HMAC-SHA256).

  FORECAST_BASE_URL  the service (default http://localhost:3000)
  FORECAST_API_KEY   an API key (`npm run cli -- api-key create --name bot --role client`)
  WEBHOOK_SECRET     the `whsec_...` secret of a subscription (POST /webhooks) to this receiver
  WEBHOOK_PORT       where the receiver listens (default 8788)
  SYMBOL             default BTC
  POLL_INTERVAL_MS   default 10000
  RUN_ONCE=true      exit 0 once a forecast, a signal and a verified webhook have been printed
"""
import base64
import hashlib
import hmac
import json
import os
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BASE_URL = os.environ.get("FORECAST_BASE_URL", "http://localhost:3000").rstrip("/")
API_KEY = os.environ.get("FORECAST_API_KEY")
WEBHOOK_SECRET = os.environ.get("WEBHOOK_SECRET")
WEBHOOK_PORT = int(os.environ.get("WEBHOOK_PORT", "8788"))
SYMBOL = os.environ.get("SYMBOL", "BTC")
POLL_INTERVAL_S = int(os.environ.get("POLL_INTERVAL_MS", "10000")) / 1000
RUN_ONCE = os.environ.get("RUN_ONCE") == "true"
# Standard Webhooks: refuse deliveries whose timestamp is more than five minutes off.
TIMESTAMP_TOLERANCE_S = 5 * 60

done = {"forecast": False, "signal": False, "webhook": False}
done_lock = threading.Lock()


def say(line):
    print(line, flush=True)


def progress(step):
    with done_lock:
        done[step] = True
        if RUN_ONCE and all(done.values()):
            say("done: a forecast, a signal and a verified webhook")
            os._exit(0)


class ApiError(Exception):
    """An error answer of the service: {statusCode, error, code, message, requestId, details?}."""

    def __init__(self, status, body):
        self.status = status
        self.code = body.get("code")
        self.message = body.get("message", "")
        self.request_id = body.get("requestId")
        super().__init__(f"{status} {self.code}: {self.message} [request {self.request_id}]")


def get(path, query=None):
    url = BASE_URL + path + ("?" + urllib.parse.urlencode(query) if query else "")
    request = urllib.request.Request(url, headers={"accept": "application/json"})
    if API_KEY:
        request.add_header("x-api-key", API_KEY)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:
        try:
            body = json.load(error)
        except ValueError:
            body = {}
        raise ApiError(error.code, body) from None


def verify_webhook(secret, headers, body):
    """Returns the parsed event if the `webhook-signature` holds, else raises ValueError.

    The signed content is `<webhook-id>.<webhook-timestamp>.<raw body>`; the key is the base64
    after `whsec_`; the header holds space-separated `v1,<base64 HMAC-SHA256>` (two during a
    secret rotation), and one match is enough.
    """
    message_id = headers.get("webhook-id") or ""
    timestamp = headers.get("webhook-timestamp") or ""
    signatures = headers.get("webhook-signature") or ""
    if not message_id or not timestamp.isdigit():
        raise ValueError("missing webhook-id or webhook-timestamp")
    if abs(time.time() - int(timestamp)) > TIMESTAMP_TOLERANCE_S:
        raise ValueError("timestamp too far from now")
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = message_id.encode() + b"." + timestamp.encode() + b"." + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    for candidate in signatures.split(" "):
        version, _, signature = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(signature, expected):
            return json.loads(body)
    raise ValueError("no matching signature")


class WebhookReceiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        if not WEBHOOK_SECRET:
            say("webhook ignored: WEBHOOK_SECRET is not set")
            self.send_response(500)
            self.end_headers()
            return
        try:
            event = verify_webhook(WEBHOOK_SECRET, self.headers, body)
        except ValueError as error:
            say(f"webhook rejected: {error}")
            self.send_response(401)
            self.end_headers()
            return
        data = event.get("data") or {}
        say(f"webhook {event['type']} {self.headers['webhook-id']} verified {data.get('symbol', '')} {data.get('action', '')}")
        self.send_response(204)
        self.end_headers()
        progress("webhook")

    def log_message(self, format, *args):
        pass


def poll_forecast():
    try:
        forecast = get(f"/predict/{urllib.parse.quote(SYMBOL)}")
    except ApiError as error:
        say(f"forecast unavailable: {error}")
        return
    say(
        f"forecast {forecast['symbol']} {forecast['interval']} ({forecast['kind']}) after the candle of "
        f"{forecast['openTime']}: close {forecast['lastClose']} -> {forecast['predictedClose']:.2f}, "
        f"P(up) {forecast['probabilityUp']:.2f}"
    )
    progress("forecast")


def poll_signals(seen):
    """Prints each latest signal not seen before (one per active strategy)."""
    try:
        signals = get(f"/signals/{urllib.parse.quote(SYMBOL)}")
    except ApiError as error:
        say(f"signals unavailable: {error}")
        return
    for signal in signals:
        key = (signal["strategyName"], signal["openTime"])
        if key not in seen:
            seen.add(key)
            say(
                f"signal received {signal['symbol']} {signal['interval']} {signal['strategyName']}: "
                f"{signal['action']} at {signal['close']} for the candle of {signal['openTime']}"
            )
            progress("signal")


def main():
    server = ThreadingHTTPServer(("127.0.0.1", WEBHOOK_PORT), WebhookReceiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    say(f"webhook receiver on http://127.0.0.1:{server.server_address[1]}/")
    seen = set()
    while True:
        try:
            poll_forecast()
            poll_signals(seen)
        except OSError as error:
            say(f"poll failed: {error}")
        time.sleep(POLL_INTERVAL_S)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
