#!/usr/bin/env python3
"""A mail sink for tests: an SMTP server on 127.0.0.1 that accepts every mail.

    python3 scripts/smtp_sink.py OUT.jsonl [--reject-rcpt ADDR]...

Binds 127.0.0.1 on a port the OS picks, prints "PORT <n>" as its first line
of standard output, and appends each message it receives to OUT.jsonl as one
JSON line: {"mail_from": ..., "rcpt_tos": [...], "data": "<the message>"}.
Runs until it is killed or its standard input closes. A recipient named with
--reject-rcpt is refused with a permanent 550 (to test refusals).

Needs aiosmtpd (scripts/install-test-deps.sh installs it).
"""

import argparse
import asyncio
import json
import signal
import sys

from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, out, reject):
        self.out = out
        self.reject = set(a.lower() for a in reject)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.reject:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        data = envelope.content
        if isinstance(data, bytes):
            data = data.decode("utf-8", errors="replace")
        line = json.dumps(
            {"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos, "data": data},
            ensure_ascii=False,
        )
        with open(self.out, "a", encoding="utf-8") as f:
            f.write(line + "\n")
            f.flush()
        return "250 Message accepted for delivery"


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--reject-rcpt", action="append", default=[])
    args = parser.parse_args()

    loop = asyncio.get_running_loop()
    handler = Sink(args.out, args.reject_rcpt)
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="sink.test", enable_SMTPUTF8=True),
        host="127.0.0.1",
        port=0,
    )
    port = server.sockets[0].getsockname()[1]
    print(f"PORT {port}", flush=True)

    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    # The test that started it may die without killing it: its closed stdin
    # ends the sink too.
    loop.add_reader(sys.stdin.fileno(), lambda: stop.set() if not sys.stdin.buffer.read1(4096) else None)
    await stop.wait()
    server.close()


if __name__ == "__main__":
    asyncio.run(main())
