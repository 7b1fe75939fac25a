"""WeComCrypto's live receive ids: a static tuple still works; a live set is consulted."""

from __future__ import annotations

import pytest

from tests.conftest import KEY, TOKEN
from wecom_callback.crypto import WeComCrypto
from wecom_callback.errors import ReceiveIdError


def sealed(receive_id: str) -> str:
    return WeComCrypto(TOKEN, KEY, receive_id).encrypt_raw(b"<xml/>")


def test_a_static_list_works_as_before() -> None:
    crypto = WeComCrypto(TOKEN, KEY, ("wwSuite", "wwProvider"))
    assert crypto.more_receive_ids is None
    assert crypto.decrypt_unsigned(sealed("wwProvider")).receive_id == "wwProvider"
    with pytest.raises(ReceiveIdError):
        crypto.decrypt_unsigned(sealed("wwCorp"))


def test_a_live_set_is_consulted_when_the_static_one_misses() -> None:
    live: set[str] = set()
    crypto = WeComCrypto(TOKEN, KEY, "wwSuite", more_receive_ids=live)
    with pytest.raises(ReceiveIdError):
        crypto.decrypt_unsigned(sealed("wwCorp"))
    live.add("wwCorp")  # installed: accepted at once
    assert crypto.decrypt_unsigned(sealed("wwCorp")).receive_id == "wwCorp"
    # Replies to the corp are encrypted for it.
    reply = crypto.encrypt_raw(b"<xml>r</xml>", receive_id="wwCorp")
    assert crypto.decrypt_unsigned(reply).receive_id == "wwCorp"
    live.discard("wwCorp")  # uninstalled: refused at once
    with pytest.raises(ReceiveIdError):
        crypto.decrypt_unsigned(sealed("wwCorp"))
    with pytest.raises(ReceiveIdError):
        crypto.encrypt_raw(b"<xml/>", receive_id="wwCorp")
    # The empty id is never implied by a live set that lacks it.
    with pytest.raises(ReceiveIdError):
        crypto.decrypt_unsigned(sealed(""))


def test_the_live_set_is_not_asked_for_static_ids() -> None:
    class Counting:
        asked = 0

        def __contains__(self, item: object) -> bool:
            Counting.asked += 1
            return False

    crypto = WeComCrypto(TOKEN, KEY, "wwSuite", more_receive_ids=Counting())
    for _ in range(3):
        crypto.decrypt_unsigned(sealed("wwSuite"))
    assert Counting.asked == 0
