"""A real SMTP server for the tests (Debian's python3-aiosmtpd): STARTTLS with the given
certificate is required before AUTH, AUTH (PLAIN/LOGIN) with one user is required before mail,
and each message received is written whole to a folder as NNNN.eml. Recipients listed in
--reject are refused with 550, as a real server refuses an unknown mailbox. Runs until killed.

usage: smtp-server.py PORT CERT KEY OUTDIR USER PASSWORD [--reject ADDR]... [--no-starttls]
(--no-starttls: a server that offers no STARTTLS at all, and takes AUTH in the clear.)
"""
import asyncio
import base64
import email
import email.policy
import json
import os
import signal
import ssl
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def main() -> None:
    port, cert, key, outdir, user, password = sys.argv[1:7]
    rejected = {a.lower() for i, a in enumerate(sys.argv) if i > 7 and sys.argv[i - 1] == "--reject"}
    plain = "--no-starttls" in sys.argv
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    count = 0

    class Handler:
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if address.lower() in rejected:
                return "550 5.1.1 mailbox unavailable"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):
            nonlocal count
            count += 1
            path = os.path.join(outdir, f"{count:04d}.eml")
            raw = envelope.original_content or envelope.content
            with open(path + ".tmp", "wb") as f:
                f.write(raw)
            os.rename(path + ".tmp", path)
            # The same message as Python's own MIME parser reads it, for the tests to check.
            msg = email.message_from_bytes(raw, policy=email.policy.default)
            summary = {
                "envelope_to": envelope.rcpt_tos,
                "to": str(msg["To"]),
                "from": str(msg["From"]),
                "subject": str(msg["Subject"]),
                "text": msg.get_body(preferencelist=("plain",)).get_content(),
                "attachments": [
                    {"filename": part.get_filename(), "type": part.get_content_type(), "base64": base64.b64encode(part.get_content()).decode()}
                    for part in msg.iter_attachments()
                ],
            }
            with open(path[:-4] + ".json.tmp", "w") as f:
                json.dump(summary, f)
            os.rename(path[:-4] + ".json.tmp", path[:-4] + ".json")
            return "250 Message accepted"

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and auth_data.password.decode() == password
        return AuthResult(success=ok, handled=False)

    controller = Controller(
        Handler(),
        hostname="127.0.0.1",
        port=int(port),
        tls_context=None if plain else context,
        require_starttls=not plain,
        auth_required=True,
        auth_require_tls=not plain,
        authenticator=authenticator,
    )
    controller.start()
    stop = asyncio.Event()
    loop = asyncio.new_event_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    loop.run_until_complete(stop.wait())
    controller.stop()


if __name__ == "__main__":
    main()
