"""RFC 3161 timestamps against a real OpenSSL TSA on 127.0.0.1 (tests/tsa_server.py).

Covers the requesting side (:mod:`evidence.timestamp`), the independent verifying
side (:mod:`evidence.verify.timestamps`) and a cross-check with ``openssl ts -verify``.
"""

from __future__ import annotations

import ast
import hashlib
import re
import socket
import subprocess
import time
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from rfc3161_client import HashAlgorithm, TimestampRequestBuilder

from evidence.errors import EvidenceError, InputError, IntegrityError, TimestampError
from evidence.log.tsa import TimestampResult, TSAInvalid, TSARefused, TSAUnreachable, request_timestamp
from evidence.verify.tsa import TimestampInvalid, verify_timestamp
from tsa_server import OPENSSL, POLICY_OID, LoopbackTSA, make_root_ca

DATA = b"post 1234 by @someone, captured 2025-01-01\n"
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def tsa(tmp_path: Path):
    with LoopbackTSA(tmp_path) as server:
        yield server
    assert server.errors == [], "the loopback TSA itself failed"


def _openssl_verify(tmp_path: Path, data: bytes, response: bytes, root: Path, untrusted: Path | None = None):
    (tmp_path / "data.bin").write_bytes(data)
    (tmp_path / "resp.tsr").write_bytes(response)
    args = [OPENSSL, "ts", "-verify", "-data", str(tmp_path / "data.bin"), "-in", str(tmp_path / "resp.tsr"),
            "-CAfile", str(root)]
    if untrusted is not None:
        args += ["-untrusted", str(untrusted)]
    return subprocess.run(args, capture_output=True, text=True, timeout=30, check=False)


def _raw_reply(url: str, data: bytes) -> bytes:
    """POST a query straight to the TSA and return its body unchecked (for verifier tests)."""
    query = TimestampRequestBuilder().data(data).hash_algorithm(HashAlgorithm.SHA256).build()
    request = urllib.request.Request(
        url, data=query.as_bytes(), headers={"Content-Type": "application/timestamp-query"}
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=10) as reply:
        return reply.read()


# -- granted round trip ---------------------------------------------------------


def test_granted_round_trip(tsa: LoopbackTSA) -> None:
    before = datetime.now(timezone.utc)
    result = request_timestamp(DATA, tsa.url, tsa.root_pem)
    assert isinstance(result, TimestampResult)
    assert tsa.requests == 1
    assert result.tsa_url == tsa.url
    assert result.policy == POLICY_OID
    assert result.serial.isdigit() and int(result.serial) > 0
    assert result.nonce.isdigit()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z", result.gen_time)
    gen_time = datetime.fromisoformat(result.gen_time)
    assert abs(gen_time - before) < timedelta(minutes=1)
    assert result.response[:1] == b"\x30"

    facts = verify_timestamp(result.response, DATA, tsa.root_pem)
    assert facts == {
        "gen_time": result.gen_time,
        "serial": result.serial,
        "policy": POLICY_OID,
        "tsa": "CN=Loopback Test TSA,O=evidence tests",
    }


def test_serials_increase_and_nonces_differ(tsa: LoopbackTSA) -> None:
    first = request_timestamp(DATA, tsa.url, tsa.root_pem)
    second = request_timestamp(DATA, tsa.url, tsa.root_pem)
    assert int(second.serial) == int(first.serial) + 1
    assert first.nonce != second.nonce


def test_openssl_cross_check(tsa: LoopbackTSA, tmp_path: Path) -> None:
    result = request_timestamp(DATA, tsa.url, tsa.root_pem)
    with_untrusted = _openssl_verify(tmp_path, DATA, result.response, tsa.root_pem_path, tsa.tsa_cert_pem_path)
    assert with_untrusted.returncode == 0, with_untrusted.stderr
    assert "Verification: OK" in with_untrusted.stdout
    # cert_req=True: the signer certificate is embedded, so -untrusted is not needed.
    embedded_only = _openssl_verify(tmp_path, DATA, result.response, tsa.root_pem_path)
    assert embedded_only.returncode == 0, embedded_only.stderr
    assert "Verification: OK" in embedded_only.stdout
    # and openssl agrees that other data is not covered
    wrong = _openssl_verify(tmp_path, DATA + b"x", result.response, tsa.root_pem_path)
    assert wrong.returncode != 0 and "Verification: OK" not in wrong.stdout


@pytest.mark.parametrize("size", [1, 64 * 1024 + 3, 3 * 1024 * 1024])
def test_stored_response_verifies_with_openssl(tsa: LoopbackTSA, tmp_path: Path, size: int) -> None:
    data = hashlib.sha256(str(size).encode()).digest() * (size // 32 + 1)
    data = data[:size]
    result = request_timestamp(data, tsa.url, tsa.root_pem)
    stored = tmp_path / "stored.tsr"
    stored.write_bytes(result.response)
    loaded = stored.read_bytes()
    assert verify_timestamp(loaded, data, tsa.root_pem)["serial"] == result.serial
    proc = _openssl_verify(tmp_path, data, loaded, tsa.root_pem_path)
    assert proc.returncode == 0, proc.stderr
    assert "Verification: OK" in proc.stdout


def test_several_roots_in_pem(tsa: LoopbackTSA) -> None:
    roots = tsa.other_root_pem + tsa.root_pem
    result = request_timestamp(DATA, tsa.url, roots)
    assert verify_timestamp(result.response, DATA, roots)["tsa"].startswith("CN=Loopback Test TSA")


def test_loopback_bypasses_proxy_from_environment(tsa: LoopbackTSA, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    assert request_timestamp(DATA, tsa.url, tsa.root_pem).serial.isdigit()


# -- unreachable (retryable) ------------------------------------------------------


def test_connection_refused_is_unreachable() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(TSAUnreachable, match="cannot reach") as info:
        request_timestamp(DATA, f"http://127.0.0.1:{port}/tsa", _any_root_pem(), timeout=5)
    assert info.value.exit_code == 9
    assert "--pending" in str(info.value)
    assert "\n" not in str(info.value)


def _any_root_pem() -> bytes:
    """A syntactically valid root for tests that never get a reply."""
    cert, _ = make_root_ca("unused root")
    return cert.public_bytes(Encoding.PEM)


def test_http_500_is_unreachable(tsa: LoopbackTSA) -> None:
    tsa.mode = "http500"
    with pytest.raises(TSAUnreachable, match="HTTP 500"):
        request_timestamp(DATA, tsa.url, tsa.root_pem)
    assert tsa.requests == 1


def test_hang_times_out_quickly(tmp_path: Path) -> None:
    with LoopbackTSA(tmp_path, mode="hang", hang_seconds=30) as tsa:
        start = time.monotonic()
        with pytest.raises(TSAUnreachable, match="did not answer within"):
            request_timestamp(DATA, tsa.url, tsa.root_pem, timeout=0.5)
        elapsed = time.monotonic() - start
    assert elapsed < 5, f"took {elapsed:.1f}s against a 30s hang"


def test_wrong_content_type_is_unreachable(tsa: LoopbackTSA) -> None:
    tsa.mode = "wrong_type"
    with pytest.raises(TSAUnreachable, match="text/html"):
        request_timestamp(DATA, tsa.url, tsa.root_pem)


def test_redirect_is_not_followed(tsa: LoopbackTSA) -> None:
    tsa.mode = "redirect"
    with pytest.raises(TSARefused, match="redirects"):
        request_timestamp(DATA, tsa.url, tsa.root_pem)
    assert tsa.requests == 1


def test_garbage_is_invalid(tsa: LoopbackTSA) -> None:
    # The right content type but not DER: the TSA answered, and the answer is unusable.
    tsa.mode = "garbage"
    with pytest.raises(TSAInvalid, match="not a timestamp response"):
        request_timestamp(DATA, tsa.url, tsa.root_pem)


# -- refused / invalid --------------------------------------------------------------


def test_rejection_is_refused(tsa: LoopbackTSA) -> None:
    tsa.mode = "refuse"
    with pytest.raises(TSARefused) as info:
        request_timestamp(DATA, tsa.url, tsa.root_pem)
    message = str(info.value)
    assert "status rejection" in message
    assert "Message digest algorithm is not supported" in message
    assert "\n" not in message
    assert info.value.exit_code == 9


def test_wrong_imprint_is_invalid(tsa: LoopbackTSA) -> None:
    tsa.mode = "wrong_imprint"
    with pytest.raises(TSAInvalid, match="imprint mismatch"):
        request_timestamp(DATA, tsa.url, tsa.root_pem)


def test_wrong_nonce_is_invalid(tsa: LoopbackTSA) -> None:
    tsa.mode = "wrong_nonce"
    with pytest.raises(TSAInvalid, match="nonce"):
        request_timestamp(DATA, tsa.url, tsa.root_pem)


def test_untrusted_tsa_is_invalid(tsa: LoopbackTSA) -> None:
    tsa.mode = "untrusted"
    with pytest.raises(TSAInvalid, match="does not verify against the configured TSA root"):
        request_timestamp(DATA, tsa.url, tsa.root_pem)
    # Control: the same reply is fine for whoever trusts the other CA.
    result = request_timestamp(DATA, tsa.url, tsa.other_root_pem)
    assert verify_timestamp(result.response, DATA, tsa.other_root_pem)["tsa"].startswith("CN=Unrelated Test TSA")


def test_openssl_refuses_to_sign_with_no_eku_certificate(tsa: LoopbackTSA, tmp_path: Path) -> None:
    """Why the no_eku mode re-signs with ``openssl cms``: ``ts -reply`` will not use that cert."""
    query = tmp_path / "q.tsq"
    query.write_bytes(TimestampRequestBuilder().data(DATA).hash_algorithm(HashAlgorithm.SHA256).build().as_bytes())
    proc = subprocess.run(
        [OPENSSL, "ts", "-reply", "-config", str(tsa.config_path), "-section", "tsa_noeku",
         "-queryfile", str(query), "-out", str(tmp_path / "r.tsr")],
        capture_output=True, timeout=30, check=False,
    )
    assert proc.returncode != 0
    assert b"invalid signer certificate purpose" in proc.stderr


def test_no_eku_is_invalid(tsa: LoopbackTSA) -> None:
    tsa.mode = "no_eku"
    with pytest.raises(TSAInvalid, match="purpose"):
        request_timestamp(DATA, tsa.url, tsa.root_pem)
    raw = _raw_reply(tsa.url, DATA)
    with pytest.raises(TimestampInvalid, match="purpose"):
        verify_timestamp(raw, DATA, tsa.root_pem)


def test_resigned_control_for_no_eku(tsa: LoopbackTSA) -> None:
    """The cms re-signing path alone is accepted, so the no_eku refusal is the missing EKU.

    (Such a token lacks the ESS signingCertificate attribute; rfc3161-client does
    not check it, ``openssl ts -verify`` does.)
    """
    tsa.mode = "resigned"
    result = request_timestamp(DATA, tsa.url, tsa.root_pem)
    assert verify_timestamp(result.response, DATA, tsa.root_pem)["serial"] == result.serial


# -- independent verifier -----------------------------------------------------------


@pytest.fixture
def granted(tsa: LoopbackTSA) -> TimestampResult:
    return request_timestamp(DATA, tsa.url, tsa.root_pem)


@pytest.mark.parametrize("position", [0, len(DATA) // 2, len(DATA) - 1])
def test_verify_fails_for_data_altered_by_one_byte(tsa: LoopbackTSA, granted: TimestampResult, position: int) -> None:
    altered = bytearray(DATA)
    altered[position] ^= 0x01
    with pytest.raises(TimestampInvalid, match="imprint mismatch") as info:
        verify_timestamp(granted.response, bytes(altered), tsa.root_pem)
    assert isinstance(info.value, IntegrityError) and info.value.exit_code == 8
    assert info.value.problems


def _positions(response: bytes, tsa: LoopbackTSA) -> dict[str, int]:
    """Byte positions of meaningful parts of a real response (found, not hard-coded)."""
    imprint = response.find(hashlib.sha256(DATA).digest())
    gen_time = re.search(rb"\x18[\x0f-\x17](\d{14})", response)
    cert_der = x509.load_pem_x509_certificate(tsa.tsa_cert_pem_path.read_bytes()).public_bytes(Encoding.DER)
    cert = response.find(cert_der)
    assert imprint > 0 and gen_time and cert > 0
    return {
        "outer tag": 0,
        "PKIStatus": 8,
        "message imprint": imprint + 7,
        "genTime": gen_time.start(1) + 11,
        "embedded certificate key": cert + len(cert_der) // 2,
        "embedded certificate signature": cert + len(cert_der) - 2,
        "signature value": len(response) - 5,
        "last byte": len(response) - 1,
    }


def test_verify_fails_for_flipped_response_bytes(tsa: LoopbackTSA, granted: TimestampResult) -> None:
    response = granted.response
    assert response[4:9] == b"\x30\x03\x02\x01\x00"  # PKIStatusInfo { granted }
    for what, position in _positions(response, tsa).items():
        flipped = bytearray(response)
        flipped[position] ^= 0x02
        with pytest.raises(TimestampInvalid):
            verify_timestamp(bytes(flipped), DATA, tsa.root_pem)
            pytest.fail(f"flipping the {what} byte at {position} was accepted")


def test_no_single_bit_flip_changes_what_is_attested(tsa: LoopbackTSA, granted: TimestampResult) -> None:
    """Every single-bit flip is refused, or leaves the attested facts unchanged.

    CMS leaves a few bytes outside the signature (SignedData/SignerInfo version,
    the SignerInfo signatureAlgorithm OID); OpenSSL accepts those flips too. The
    stored bytes are therefore protected by the evidence record's own digest, not
    by the token.
    """
    response = granted.response
    original = verify_timestamp(response, DATA, tsa.root_pem)
    accepted = []
    for position in range(len(response)):
        for mask in (0x01, 0x80):
            flipped = bytearray(response)
            flipped[position] ^= mask
            try:
                facts = verify_timestamp(bytes(flipped), DATA, tsa.root_pem)
            except TimestampInvalid:
                continue
            assert facts == original, f"flip at {position} changed the attested facts"
            accepted.append(position)
    assert len(set(accepted)) < 16, accepted


def test_verify_fails_for_a_different_root(tsa: LoopbackTSA, granted: TimestampResult) -> None:
    with pytest.raises(TimestampInvalid, match="does not verify against the given roots"):
        verify_timestamp(granted.response, DATA, tsa.other_root_pem)


def test_verify_refuses_a_rejection(tsa: LoopbackTSA) -> None:
    tsa.mode = "refuse"
    raw = _raw_reply(tsa.url, DATA)
    with pytest.raises(TimestampInvalid, match="status rejection, not granted"):
        verify_timestamp(raw, DATA, tsa.root_pem)


@pytest.mark.parametrize("blob", [b"", b"garbage", b"\x30\x03\x02\x01\x00"])
def test_verify_refuses_non_responses(tsa: LoopbackTSA, blob: bytes) -> None:
    with pytest.raises(TimestampInvalid):
        verify_timestamp(blob, DATA, tsa.root_pem)


def test_verify_refuses_truncated_and_extended(tsa: LoopbackTSA, granted: TimestampResult) -> None:
    for blob in (granted.response[:-1], granted.response + b"\x00"):
        with pytest.raises(TimestampInvalid, match="not a DER TimeStampResp"):
            verify_timestamp(blob, DATA, tsa.root_pem)


# -- inputs and error classes --------------------------------------------------------


def test_bad_inputs(tsa: LoopbackTSA) -> None:
    with pytest.raises(InputError):
        request_timestamp(DATA, tsa.url, b"not pem")
    with pytest.raises(InputError):
        request_timestamp(DATA, "ftp://127.0.0.1/tsa", tsa.root_pem)
    with pytest.raises(InputError):
        request_timestamp(b"", tsa.url, tsa.root_pem)
    with pytest.raises(InputError):
        verify_timestamp(b"\x30\x00", DATA, b"")
    assert tsa.requests == 0


def test_error_classes() -> None:
    for cls in (TSAUnreachable, TSARefused, TSAInvalid):
        assert issubclass(cls, TimestampError) and cls.exit_code == 9
    assert issubclass(TimestampInvalid, IntegrityError) and TimestampInvalid.exit_code == 8
    assert not issubclass(TimestampInvalid, TimestampError)
    assert issubclass(TimestampInvalid, EvidenceError)


def _imports(path: Path, package: str) -> set[str]:
    """Absolute names of every module ``path`` (in ``package``) imports."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                names.add(".".join(base + ([node.module] if node.module else [])))
            elif node.module:
                names.add(node.module)
    return names


def test_verifier_imports_only_allowed_modules() -> None:
    names = _imports(REPO / "evidence" / "verify" / "tsa.py", "evidence.verify")
    allowed = {"evidence.digest", "evidence.canonical", "evidence.errors"}
    for name in names:
        if name == "evidence" or name.startswith("evidence."):
            assert name in allowed or name.startswith("evidence.verify"), name
        assert name.split(".")[0] not in {"click"}, name


def test_library_does_not_import_click() -> None:
    for path, package in (
        (REPO / "evidence" / "log" / "tsa.py", "evidence.log"),
        (REPO / "evidence" / "verify" / "tsa.py", "evidence.verify"),
    ):
        assert not any(n.split(".")[0] == "click" for n in _imports(path, package))
