"""Benchmark of AS2 receiving: a signed and encrypted 100 KB 850 to the stored document and signed MDN.

Run from the project root: ``python bench/as2.py [--kb 100] [--messages 40] [--seconds 10]``. It
migrates a fresh SQLite database in a temporary directory (or uses ``B2BGW_DATABASE_URL``), seeds
the demo and its published AS2 keys (we are B2BGW, acme is ACME), writes one 850 of about
``--kb`` KB (acme's basic order with as many lines as it takes) and packs it as acme would:
signed with acme's key (SHA-256), encrypted to our certificate (AES-256-CBC), a signed
synchronous MDN asked for; each message has its own Message-ID, ISA13 and PO number, so each is a
new document. Measured in the same run, best of three rounds of ``--messages`` each:

(a) **bare cryptography**: what any AS2 receiver must do, with the same library
    (:mod:`gateway.as2.cms`, on ``cryptography``): decrypt the CMS envelope, verify the signature
    and the digest of the signed content, sign the MDN;
(b) **receiving end to end, to the stored document and signed MDN**, in-process: what
    ``POST /as2`` does before it answers (:func:`gateway.as2.receiving.receive` with
    ``read_now=False``): the envelope, the partner, the message row claimed, decrypt, verify,
    the payload stored as a document with the MDN built, signed and kept, in one transaction;
(c) **the reading that follows the answer** (:func:`gateway.as2.receiving.read_payload`: the EDI
    intake splits, validates and acknowledges the interchange and queues the 850), the same
    work as an HTTP upload's reading, for scale;

then the ratio (b) / (a) (the issue's target: at most 2). Last, messages/s over HTTP: a real
uvicorn in a child process, 1 and 4 client threads posting for ``--seconds`` each (the signed
MDN read in full; the reading runs in the server after each answer, so it is counted too).
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.orders import BASIC  # noqa: E402  (found through the path set just above)


def order_850(kb: int, number: int) -> bytes:
    """The demo partner acme's basic 850 under its own ISA13 and PO number, with lines up to about ``kb`` KB."""
    segments = [s.strip() for s in BASIC.read_text().split("~") if s.strip()]
    isa = segments[0].split("*")
    isa[13] = f"{700000000 + number:09d}"
    header = [s for s in segments[1:] if s.split("*")[0] not in {"PO1", "PID", "CTT", "AMT", "SE", "GE", "IEA"}
              and not s.startswith("DTM*002*20261205")]  # the line's date, which follows its PO1
    header = [f"BEG*00*SA*AS2-{number:06d}**20261118" if s.startswith("BEG*") else s for s in header]
    lines: list[str] = []
    size = sum(len(s) + 2 for s in header) + 200
    skus = ("DEMO-1001", "DEMO-1002", "DEMO-1004", "DEMO-1005")
    while size < kb * 1024:
        n = len(lines) // 2 + 1
        lines += [f"PO1*{n}*1*EA*12.5*PE*VP*{skus[n % 4]}", "PID*F****DEMO ITEM"]
        size += len(lines[-1]) + len(lines[-2]) + 4
    body = header[1:] + lines + [f"CTT*{len(lines) // 2}"]
    st_count = len(body) + 1
    text = ["*".join(isa), header[0], *body, f"SE*{st_count}*0001", "GE*1*1001", f"IEA*1*{isa[13]}"]
    return ("~\n".join(text) + "~\n").encode("ascii")


def best(rounds: int, run: Callable[[], None], count: int) -> float:
    """The best time per item of ``rounds`` runs of ``run`` over ``count`` items, in ms."""
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) / count * 1000)
    return min(times)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(url: str, port: int) -> None:
    """The child process: the app over ``url`` under uvicorn (no background workers)."""
    import uvicorn

    from gateway.app import create_app
    from gateway.config import Settings
    from gateway.runtime import tune_garbage_collector
    from gateway.services import build_services

    tune_garbage_collector()
    services = build_services(Settings(database_url=url, log_level="WARNING"))
    uvicorn.run(create_app(services, workers=0), host="127.0.0.1", port=port, log_level="warning",
                access_log=False)


def http_rate(port: int, pool: list[tuple[dict[str, str], bytes]], threads: int,
              seconds: float) -> tuple[float, float, int]:
    """Messages/s posting ``pool`` from ``threads`` threads for ``seconds``; median ms; messages sent."""
    lock = threading.Lock()
    done: list[float] = []
    stop = time.monotonic() + seconds

    def post() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.monotonic() < stop:
            with lock:
                if not pool:
                    return
                headers, body = pool.pop()
            started = time.perf_counter()
            connection.request("POST", "/as2", body=body, headers=headers)
            answer = connection.getresponse()
            reply = answer.read()
            assert answer.status == 200 and b"processed/error" not in reply, (answer.status, reply[:300])
            with lock:
                done.append(time.perf_counter() - started)
        connection.close()

    started = time.monotonic()
    workers = [threading.Thread(target=post) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.monotonic() - started
    return len(done) / elapsed, statistics.median(done) * 1000, len(done)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kb", type=int, default=100)
    parser.add_argument("--messages", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--serve", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], int(args.serve[1]))
        return

    import logging

    logging.disable(logging.WARNING)
    from gateway.as2 import cms
    from gateway.as2.demo import demo_key_bytes, seed_demo_as2
    from gateway.as2.keys import read_certificate, read_private_key
    from gateway.as2.mdn import build_mdn
    from gateway.as2.message import MdnRequest, Signer, pack, unpack
    from gateway.as2.receiving import read_payload, receive
    from gateway.config import Settings
    from gateway.demo import seed_demo
    from gateway.services import build_services
    from gateway.store.db import upgrade

    folder = Path(tempfile.mkdtemp(prefix="b2bgw-bench-as2-"))
    url = os.environ.get("B2BGW_DATABASE_URL") or f"sqlite:///{folder / 'gateway.db'}"
    upgrade(url)
    services = build_services(Settings(database_url=url, log_level="WARNING"))
    seed_demo(services.engine)
    seed_demo_as2(services.engine, services.settings, keys_dir=folder / "keys")
    acme = Signer(read_private_key(demo_key_bytes("acme.key.pem")), read_certificate(demo_key_bytes("acme.cert.pem")))
    our_key = read_private_key(demo_key_bytes("b2bgw.key.pem"))
    our_cert = read_certificate(demo_key_bytes("b2bgw.cert.pem"))
    ours = Signer(our_key, our_cert)
    request = MdnRequest(mode="sync", signed_digests=("sha256",))
    counter = iter(range(1, 10**9))

    def packed(n: int) -> list[tuple[dict[str, str], bytes]]:
        out = []
        for _ in range(n):
            message = pack(order_850(args.kb, next(counter)), content_type="application/edi-x12", as2_from="ACME",
                           as2_to="B2BGW", signer=acme, encrypt_to=our_cert, mdn=request, filename="order.x12")
            out.append((message.headers, message.body))
        return out

    sample = order_850(args.kb, 0)
    print(f"one 850 of {len(sample):,} bytes ({sample.count(b'PO1*'):,} lines); {args.messages} messages a round, "
          f"best of 3 rounds; database {url.split(':')[0]}")
    batches = [packed(args.messages) for _ in range(3)]
    print(f"signed + encrypted message: {len(batches[0][0][1]):,} bytes")

    def bare(batch: list[tuple[dict[str, str], bytes]]) -> Callable[[], None]:
        def run() -> None:
            for headers, body in batch:
                unpacked = unpack(headers, body, decrypt_with=[(our_key, our_cert)], verify_with=[acme.certificate],
                                  require_signature=True, require_encryption=True)
                build_mdn(original_message_id=unpacked.message_id, as2_from="B2BGW", as2_to="ACME", error=None,
                          mic=unpacked.mic, text="received", signer=ours)
        return run

    def crypto_only(batch: list[tuple[dict[str, str], bytes]]) -> Callable[[], None]:
        def run() -> None:
            for _headers, body in batch:
                inner = cms.decrypt(body, [(our_key, our_cert)])
                cms.sign_detached(inner[:200], our_key, our_cert, digest="sha256")
        return run

    e2e_batches = [packed(args.messages) for _ in range(3)]
    answers: list[list[object]] = [[], [], []]
    rounds: dict[str, list[float]] = {"bare": [], "decrypt+sign": [], "e2e": [], "intake": []}
    for index in range(3):  # interleaved, so drift on a shared machine touches all alike
        rounds["bare"].append(best(1, bare(batches[index]), args.messages))
        rounds["decrypt+sign"].append(best(1, crypto_only(batches[index]), args.messages))

        def e2e(batch: list[tuple[dict[str, str], bytes]] = e2e_batches[index], out: list[object] = answers[index]
                ) -> None:
            for headers, body in batch:
                answer = receive(services.engine, services.settings, headers, body, read_now=False)
                assert answer.status == 200 and answer.outcome == "processed", (answer.status, answer.body[:300])
                out.append(answer)

        def intake(done: list[object] = answers[index]) -> None:
            for answer in done:
                read_payload(services.engine, answer)  # type: ignore[arg-type]

        rounds["e2e"].append(best(1, e2e, args.messages))
        rounds["intake"].append(best(1, intake, args.messages))
    bare_ms, e2e_ms, intake_ms = min(rounds["bare"]), min(rounds["e2e"]), min(rounds["intake"])
    print(f"(a) bare cryptography (unpack: decrypt, verify, MIC; MDN built and signed): {bare_ms:7.2f} ms/message "
          f"(of which CMS decrypt + one signature alone: {min(rounds['decrypt+sign']):.2f} ms)")
    print(f"(b) POST /as2 until it answers: the stored document and signed MDN:     {e2e_ms:7.2f} ms/message")
    print(f"(c) then the EDI intake reads the stored 850 (after the answer):          {intake_ms:7.2f} ms/message")
    print(f"ratio (b)/(a) = {e2e_ms / bare_ms:.2f} (target <= 2); with the reading (b+c)/(a) = "
          f"{(e2e_ms + intake_ms) / bare_ms:.2f}")
    services.close()

    port = free_port()
    child = subprocess.Popen([sys.executable, __file__, "--serve", url, str(port)], cwd=ROOT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        for threads in (1, 4):
            rate, median, count = http_rate(port, packed(int(args.seconds * 40) + 50), threads, args.seconds)
            print(f"HTTP, {threads} client thread{'s' if threads > 1 else ''}: {rate:6.1f} messages/s, "
                  f"median {median:.1f} ms per message ({count} messages)")
    finally:
        child.terminate()
        child.wait(timeout=10)


if __name__ == "__main__":
    main()
