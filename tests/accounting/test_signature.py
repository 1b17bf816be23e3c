"""What paybot signs can be checked by the receiver, and a forged or replayed body cannot pass."""

from __future__ import annotations

from bot.accounting.signature import sign, verify
from tests.accounting.conftest import SECRET, independent_signature_ok

BODY = b'{"event":"payment.applied","payment":{"amount":"39550.00"}}'


def test_a_signed_body_passes_the_receivers_own_check_and_paybots() -> None:
    header = sign(SECRET, BODY)
    assert independent_signature_ok(SECRET, header, BODY)
    assert verify(SECRET, header, BODY)


def test_a_changed_body_another_key_or_an_old_timestamp_is_refused() -> None:
    header = sign(SECRET, BODY, timestamp=1_790_000_000)
    assert verify(SECRET, header, BODY, now=1_790_000_100)
    assert not verify(SECRET, header, BODY.replace(b"39550", b"93550"), now=1_790_000_100)
    assert not verify("another-secret-0123456789", header, BODY, now=1_790_000_100)
    assert not verify(SECRET, header, BODY, now=1_790_000_000 + 301)
    assert not verify(SECRET, "v1=deadbeef", BODY)
