"""A real RFC 3161 timestamp authority on loopback, for tests.

:class:`LoopbackTSA` makes a throwaway PKI (with the ``cryptography`` library),
writes an OpenSSL ``ts`` configuration and answers HTTP POSTs on 127.0.0.1 with
replies produced by ``openssl ts -reply``. Nothing here fabricates ASN.1: every
reply is produced by OpenSSL (or, for ``garbage`` / ``http500`` / ``hang``, is
deliberately not a reply at all).

Modes (``tsa.mode`` may be changed while the server runs):

``ok``
    ``openssl ts -reply`` (section ``tsa_config1``) answers the client's query.
``refuse``
    OpenSSL answers the client's own query from section ``tsa_refuse``, whose
    ``digests`` list only sha512: a genuine *rejection* (failInfo badAlg,
    statusString "Message digest algorithm is not supported.").
``wrong_imprint``
    OpenSSL answers a different query: ``openssl ts -query`` over other data.
``wrong_nonce``
    OpenSSL answers a fresh ``openssl ts -query -digest <client's imprint>``:
    the same message imprint as the client's query, a different random nonce.
``untrusted``
    A second, independent CA and TSA (section ``tsa_untrusted``) answers the
    client's query; its root is not the one the client trusts.
``no_eku``
    OpenSSL refuses to sign with a TSA certificate lacking the timeStamping
    extended key usage (``ts -reply`` exits 1: "invalid signer certificate
    purpose"); the server first checks that this is still so. It then makes the
    token the only honest way left: the TSTInfo that ``openssl ts -reply``
    produced for the client's query is re-signed with ``openssl cms -sign``
    (eContentType id-ct-TSTInfo) by the no-EKU certificate, and ``openssl ts
    -reply -token_in`` wraps that token in a granted TimeStampResp.
``resigned``
    Control for ``no_eku``: the same ``cms -sign`` path, but signed by the good
    TSA certificate, so a test can show that the ``no_eku`` refusal comes from
    the missing EKU and not from the re-signing path. (Such a token lacks the
    ESS signingCertificate attribute; ``openssl ts -verify`` rejects it,
    rfc3161-client does not check that attribute.)
``http500``
    HTTP 500 with a text body.
``hang``
    Sends nothing for ``hang_seconds`` (cut short by :meth:`close`).
``garbage``
    HTTP 200, ``Content-Type: application/timestamp-reply``, bytes that are not
    DER.
``wrong_type``
    HTTP 200 with an HTML page (``text/html``), like a captive portal or a web
    server at a wrong URL.
``redirect``
    HTTP 302 to another path on the same server.
"""

from __future__ import annotations

import datetime as dt
import http.server
import re
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = ["LoopbackTSA", "MODES", "POLICY_OID", "OPENSSL", "make_root_ca"]

MODES = (
    "ok",
    "refuse",
    "wrong_imprint",
    "wrong_nonce",
    "untrusted",
    "no_eku",
    "resigned",
    "http500",
    "hang",
    "garbage",
    "wrong_type",
    "redirect",
)
POLICY_OID = "1.3.6.1.4.1.55555.1.1"
OPENSSL = shutil.which("openssl") or "openssl"
TSTINFO_OID = "1.2.840.113549.1.9.16.1.4"  # id-ct-TSTInfo
GARBAGE = b"this is not a TimeStampResp \x00\xff\xfe garbage"
MAX_QUERY = 64 * 1024

_CONFIG = """\
# OpenSSL TSA configuration written by tests/tsa_server.py (throwaway test PKI).
# No `certs =`: with it OpenSSL embeds certificates in a SET order that strict
# DER parsers (rfc3161-client) reject. With cert_req the signer cert is embedded.
[ tsa ]
default_tsa = tsa_config1

[ tsa_config1 ]
serial = {serial}
crypto_device = builtin
signer_cert = {tsa_cert}
signer_key = {tsa_key}
signer_digest = sha256
default_policy = {policy}
other_policies = 1.3.6.1.4.1.55555.1.2
digests = sha256, sha384, sha512
accuracy = secs:1
clock_precision_digits = 3
ordering = no
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256

# Same TSA, but it only accepts sha512 imprints: the client's sha256 query is
# genuinely rejected (badAlg).
[ tsa_refuse ]
serial = {serial}
crypto_device = builtin
signer_cert = {tsa_cert}
signer_key = {tsa_key}
signer_digest = sha256
default_policy = {policy}
digests = sha512
accuracy = secs:1
ordering = no
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256

# An independent CA and TSA the client does not trust.
[ tsa_untrusted ]
serial = {serial}
crypto_device = builtin
signer_cert = {other_cert}
signer_key = {other_key}
signer_digest = sha256
default_policy = {policy}
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = no
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256

# A TSA certificate without extendedKeyUsage timeStamping: OpenSSL refuses it.
[ tsa_noeku ]
serial = {serial}
crypto_device = builtin
signer_cert = {noeku_cert}
signer_key = {noeku_key}
signer_digest = sha256
default_policy = {policy}
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = no
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


class LoopbackTSAError(RuntimeError):
    """The loopback TSA itself failed (a test-environment problem, not a client one)."""


def _name(cn: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "evidence tests"),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


def _write_pem(path: Path, cert: x509.Certificate) -> None:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path.chmod(0o600)


def make_root_ca(cn: str) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(_name(cn))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def _make_tsa(
    cn: str,
    root: x509.Certificate,
    root_key: ec.EllipticCurvePrivateKey,
    *,
    eku: bool = True,
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """A P-256 TSA certificate; with ``eku`` its extendedKeyUsage is critical timeStamping."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(root.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False
        )
    )
    if eku:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
        )
    return builder.sign(root_key, hashes.SHA256()), key


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    tsa: LoopbackTSA


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Keep test output quiet."""

    def do_POST(self) -> None:  # noqa: N802 - stdlib name
        tsa = self.server.tsa
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length <= 0 or length > MAX_QUERY:
            self._send(400, b"bad Content-Length\n", "text/plain")
            return
        body = self.rfile.read(length)
        status, payload, ctype = tsa._answer(body, self.headers.get("Content-Type", ""))
        self._send(status, payload, ctype)

    def _send(self, status: int, payload: bytes, ctype: str) -> None:
        try:
            self.send_response(status)
            if 300 <= status < 400:
                self.send_header("Location", self.server.tsa.url.rsplit("/", 1)[0] + "/moved")
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except OSError:
            pass  # the client gave up (e.g. after "hang"): nothing to do


class LoopbackTSA:
    """A real RFC 3161 TSA (``openssl ts -reply``) served over HTTP on 127.0.0.1.

    Use as a context manager, or call :meth:`close`. Attributes: ``url``,
    ``root_pem`` (bytes), ``root_pem_path``, ``tsa_cert_pem_path``,
    ``other_root_pem_path`` (the ``untrusted`` CA), ``noeku_cert_pem_path``,
    ``requests`` (POSTs received), ``mode`` (settable), ``errors`` (internal
    failures of the TSA itself; a test should expect it empty).
    """

    def __init__(
        self,
        tmp_path: str | Path,
        mode: str = "ok",
        *,
        hang_seconds: float = 30.0,
        openssl_timeout: float = 30.0,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown LoopbackTSA mode {mode!r}; one of {', '.join(MODES)}")
        self.dir = Path(tempfile.mkdtemp(prefix="loopback-tsa-", dir=str(tmp_path)))
        self.mode = mode
        self.hang_seconds = hang_seconds
        self.openssl_timeout = openssl_timeout
        self.requests = 0
        self.errors: list[str] = []
        self._count_lock = threading.Lock()
        self._openssl_lock = threading.Lock()  # one signer at a time: the serial file
        self._closing = threading.Event()
        self._make_pki()
        self._write_config()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.tsa = self
        host, port = self._server.server_address[:2]
        self.url = f"http://{host}:{port}/tsa"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="loopback-tsa",
            daemon=True,
        )
        self._thread.start()
        self._closed = False

    # -- PKI and configuration -------------------------------------------------

    def _make_pki(self) -> None:
        d = self.dir
        root, root_key = make_root_ca("Loopback Test Root CA")
        tsa, tsa_key = _make_tsa("Loopback Test TSA", root, root_key)
        noeku, noeku_key = _make_tsa("Loopback Test TSA without EKU", root, root_key, eku=False)
        other_root, other_root_key = make_root_ca("Unrelated Test Root CA")
        other, other_key = _make_tsa("Unrelated Test TSA", other_root, other_root_key)

        self.root_pem_path = d / "root.pem"
        self.tsa_cert_pem_path = d / "tsa.pem"
        self.tsa_key_path = d / "tsa.key"
        self.noeku_cert_pem_path = d / "noeku.pem"
        self.noeku_key_path = d / "noeku.key"
        self.other_root_pem_path = d / "other-root.pem"
        self.other_cert_pem_path = d / "other-tsa.pem"
        self.other_key_path = d / "other-tsa.key"
        _write_pem(self.root_pem_path, root)
        _write_pem(self.tsa_cert_pem_path, tsa)
        _write_key(self.tsa_key_path, tsa_key)
        _write_pem(self.noeku_cert_pem_path, noeku)
        _write_key(self.noeku_key_path, noeku_key)
        _write_pem(self.other_root_pem_path, other_root)
        _write_pem(self.other_cert_pem_path, other)
        _write_key(self.other_key_path, other_key)
        self.root_pem = self.root_pem_path.read_bytes()
        self.other_root_pem = self.other_root_pem_path.read_bytes()

    def _write_config(self) -> None:
        self.serial_path = self.dir / "serial"
        self.serial_path.write_text("01\n")
        self.config_path = self.dir / "tsa.cnf"
        self.config_path.write_text(
            _CONFIG.format(
                serial=self.serial_path,
                tsa_cert=self.tsa_cert_pem_path,
                tsa_key=self.tsa_key_path,
                other_cert=self.other_cert_pem_path,
                other_key=self.other_key_path,
                noeku_cert=self.noeku_cert_pem_path,
                noeku_key=self.noeku_key_path,
                policy=POLICY_OID,
            )
        )

    # -- lifecycle ---------------------------------------------------------------

    def close(self) -> None:
        """Stop the server (idempotent); a handler stuck in ``hang`` is released."""
        if self._closed:
            return
        self._closed = True
        self._closing.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def __enter__(self) -> LoopbackTSA:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- answering ---------------------------------------------------------------

    def _answer(self, query: bytes, content_type: str) -> tuple[int, bytes, str]:
        """(HTTP status, body, content type) for one POSTed query."""
        with self._count_lock:
            self.requests += 1
        mode = self.mode
        if mode == "http500":
            return 500, b"loopback TSA: internal server error (mode http500)\n", "text/plain"
        if mode == "hang":
            self._closing.wait(self.hang_seconds)
            return 503, b"loopback TSA: hung (mode hang)\n", "text/plain"
        if mode == "garbage":
            return 200, GARBAGE, "application/timestamp-reply"
        if mode == "redirect":
            return 302, b"moved\n", "text/plain"
        if mode == "wrong_type":
            return 200, b"<!doctype html><title>Welcome</title><p>not a TSA</p>\n", "text/html; charset=utf-8"
        if content_type.split(";")[0].strip().lower() != "application/timestamp-query":
            return 415, b"expected Content-Type: application/timestamp-query\n", "text/plain"
        try:
            with self._openssl_lock, tempfile.TemporaryDirectory(dir=self.dir) as work:
                reply = self._reply(mode, query, Path(work))
        except LoopbackTSAError as exc:
            self.errors.append(str(exc))
            return 500, f"loopback TSA failure: {exc}\n".encode(), "text/plain"
        return 200, reply, "application/timestamp-reply"

    def _openssl(self, *args: str | Path) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [OPENSSL, *map(str, args)],
            capture_output=True,
            timeout=self.openssl_timeout,
            check=False,
        )

    def _must(self, *args: str | Path) -> None:
        proc = self._openssl(*args)
        if proc.returncode != 0:
            lines = proc.stderr.decode(errors="replace").strip().splitlines()
            last = lines[-1] if lines else "(no message)"
            raise LoopbackTSAError(
                f"openssl {' '.join(map(str, args[:2]))} exited {proc.returncode}: {last}"
            )

    def _ts_reply(self, section: str, query_file: Path, out: Path, expect: str) -> bytes:
        """``openssl ts -reply``; checks the exit code *and* the PKIStatus it produced."""
        self._must(
            "ts", "-reply", "-config", self.config_path, "-section", section,
            "-queryfile", query_file, "-out", out,
        )
        self._check_status(out, expect)
        return out.read_bytes()

    def _check_status(self, reply: Path, expect: str) -> None:
        """Read the PKIStatus back with ``openssl ts -reply -in R -text`` (exit 0 is not enough)."""
        proc = self._openssl("ts", "-reply", "-in", reply, "-text")
        text = proc.stdout.decode(errors="replace")
        m = re.search(r"^Status: (.+?)\.?$", text, re.MULTILINE)
        status = m.group(1) if m else "(none)"
        if proc.returncode != 0 or status != expect:
            raise LoopbackTSAError(f"openssl produced status {status!r}, expected {expect!r}")

    def _reply(self, mode: str, query: bytes, work: Path) -> bytes:
        q = work / "q.tsq"
        q.write_bytes(query)
        r = work / "r.tsr"
        if mode == "ok":
            return self._ts_reply("tsa_config1", q, r, "Granted")
        if mode == "refuse":
            return self._ts_reply("tsa_refuse", q, r, "Rejected")
        if mode == "untrusted":
            return self._ts_reply("tsa_untrusted", q, r, "Granted")
        if mode == "wrong_imprint":
            other = work / "other.bin"
            other.write_bytes(b"not the data the client asked to timestamp\n")
            q2 = work / "q2.tsq"
            self._must("ts", "-query", "-data", other, "-sha256", "-cert", "-out", q2)
            return self._ts_reply("tsa_config1", q2, r, "Granted")
        if mode == "wrong_nonce":
            algo, digest = self._query_imprint(q)
            q2 = work / "q2.tsq"
            self._must("ts", "-query", "-digest", digest, f"-{algo}", "-cert", "-out", q2)
            return self._ts_reply("tsa_config1", q2, r, "Granted")
        if mode in ("no_eku", "resigned"):
            return self._resigned_reply(mode, q, work)
        raise LoopbackTSAError(f"mode {mode!r} cannot answer a query")

    def _query_imprint(self, query_file: Path) -> tuple[str, str]:
        """(hash name, hex digest) of a TimeStampReq, read with ``openssl asn1parse``."""
        proc = self._openssl("asn1parse", "-inform", "DER", "-in", query_file)
        text = proc.stdout.decode(errors="replace")
        algo = re.search(r"prim: OBJECT\s+:(sha256|sha384|sha512)\s*$", text, re.MULTILINE)
        digest = re.search(r"prim: OCTET STRING\s+\[HEX DUMP\]:([0-9A-Fa-f]+)", text)
        if proc.returncode != 0 or not algo or not digest:
            raise LoopbackTSAError("cannot read the message imprint of the query")
        return algo.group(1), digest.group(1).lower()

    def _resigned_reply(self, mode: str, q: Path, work: Path) -> bytes:
        """A granted reply whose token is re-signed by ``openssl cms -sign`` (see module doc)."""
        if mode == "no_eku":
            # Prove OpenSSL still refuses this certificate; if a future OpenSSL
            # signs with it, use its own reply instead of the cms path.
            direct = work / "direct.tsr"
            proc = self._openssl(
                "ts", "-reply", "-config", self.config_path, "-section", "tsa_noeku",
                "-queryfile", q, "-out", direct,
            )
            if proc.returncode == 0 and direct.exists():
                self._check_status(direct, "Granted")
                return direct.read_bytes()
            if b"invalid signer certificate purpose" not in proc.stderr:
                raise LoopbackTSAError("openssl failed with the no-EKU cert for an unexpected reason")
            cert, key = self.noeku_cert_pem_path, self.noeku_key_path
        else:
            cert, key = self.tsa_cert_pem_path, self.tsa_key_path
        good = work / "good.tsr"
        self._ts_reply("tsa_config1", q, good, "Granted")
        token = work / "good.tst"
        self._must("ts", "-reply", "-in", good, "-token_out", "-out", token)
        tstinfo = work / "tstinfo.der"
        self._must(
            "cms", "-verify", "-noverify", "-inform", "DER", "-in", token, "-out", tstinfo,
        )
        token2 = work / "resigned.tst"
        self._must(
            "cms", "-sign", "-binary", "-nodetach", "-nosmimecap", "-md", "sha256",
            "-econtent_type", TSTINFO_OID, "-signer", cert, "-inkey", key,
            "-in", tstinfo, "-outform", "DER", "-out", token2,
        )
        out = work / "resigned.tsr"
        self._must("ts", "-reply", "-in", token2, "-token_in", "-out", out)
        self._check_status(out, "Granted")
        return out.read_bytes()
