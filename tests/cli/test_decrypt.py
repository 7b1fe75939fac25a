"""``decrypt``: a captured request walked through the checks, with the failing one explained."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from urllib.parse import quote, unquote

import pytest

from tests.vectors import DOC
from wecom_callback._cli.main import main
from wecom_callback.testing import Simulator

ROOT = Path(__file__).resolve().parents[2]
URL = "https://example.com" + DOC["post_path"]
BODY = DOC["post_body"].decode()
GET_QUERY = DOC["get_path"].split("?", 1)[1]
ECHOSTR = unquote(GET_QUERY.rsplit("echostr=", 1)[1])
SUITE = "wwsuite00000000001"
CORP = "ww0123456789abcdef"
TOKEN = "Tok3nForTests"
KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"


@pytest.fixture(autouse=True)
def doc_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """The documentation vector's credentials, from the environment."""
    monkeypatch.setenv("WECOM_TOKEN", DOC["token"])
    monkeypatch.setenv("WECOM_ENCODING_AES_KEY", DOC["key"])
    monkeypatch.setenv("WECOM_RECEIVE_ID", DOC["receive_id"])


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(["decrypt", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_a_good_request_prints_its_plaintext_and_model(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "--url", URL, "--body", BODY, "--json")
    assert status == 0, err
    assert "<Content><![CDATA[hello]]></Content>" in out
    assert '"model": "TextMessage"' in out and '"content": "hello"' in out
    for check in ("parameters", "envelope", "signature", "decryption", "receive id"):
        assert f"ok    {check}" in err
    assert DOC["token"] not in err + out and DOC["key"] not in err + out


def test_a_wrong_key_is_named_once_the_signature_matched(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WECOM_ENCODING_AES_KEY", "A" + DOC["key"][1:])
    status, out, err = run(capsys, "--url", URL, "--body", BODY)
    assert status == 1 and out == ""
    assert "ok    signature" in err
    assert "FAIL  decryption [-40007]" in err
    assert "the signature matched, so the Token is right: the EncodingAESKey is wrong" in err


def test_a_wrong_token_is_a_signature_failure(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WECOM_TOKEN", "wrong")
    status, _, err = run(capsys, "--url", URL, "--body", BODY)
    assert status == 1
    assert "FAIL  signature [-40001]" in err and "the Token is wrong" in err
    assert "decryption" not in err  # the walk stops at the first failure


def test_a_foreign_receive_id_names_both_ids(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An instruction callback carries the SuiteID; the CorpID alone does not accept it."""
    monkeypatch.setenv("WECOM_TOKEN", TOKEN)
    monkeypatch.setenv("WECOM_ENCODING_AES_KEY", KEY)
    monkeypatch.setenv("WECOM_RECEIVE_ID", "wwauthcorp0000001")
    plain = (
        f"<xml><SuiteId><![CDATA[{SUITE}]]></SuiteId><InfoType>cancel_auth</InfoType>"
        "<TimeStamp>1700000100</TimeStamp><AuthCorpId>wwauthcorp0000001</AuthCorpId></xml>"
    )
    request = Simulator(TOKEN, KEY, SUITE).callback(plain)
    status, out, err = run(
        capsys, "--url", request.url("http://x/"), "--body", request.body.decode()
    )
    assert status == 1 and out == ""
    assert "FAIL  receive id [-40005]" in err
    assert f"the payload carries '{SUITE}' (the SuiteID" in err
    assert "you configured 'wwauthcorp0000001' (the authorizing corp's CorpID" in err


def test_without_configured_ids_the_payload_id_is_shown(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WECOM_RECEIVE_ID")
    status, out, err = run(capsys, "--url", URL, "--body", BODY)
    assert status == 0 and "hello" in out
    assert f"WECOM_RECEIVE_ID={DOC['receive_id']} would accept it" in err


def test_a_pasted_http_request_on_stdin(tmp_path: Path) -> None:
    """A raw request (request line, headers, blank line, body) piped in, URL-encoded values."""
    sim = Simulator(TOKEN, KEY, CORP)
    request = sim.callback("<xml><MsgType>text</MsgType><Content>hi</Content></xml>")
    capture = (
        f"POST /wecom?{request.query_string} HTTP/1.1\r\nHost: example.com\r\n"
        f"Content-Type: text/xml\r\n\r\n{request.body.decode()}\r\n"
    )
    env = {"WECOM_TOKEN": TOKEN, "WECOM_ENCODING_AES_KEY": KEY, "WECOM_RECEIVE_ID": CORP}
    result = subprocess.run(
        [sys.executable, "-m", "wecom_callback._cli", "decrypt"],
        input=capture,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", **env},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "<xml><MsgType>text</MsgType><Content>hi</Content></xml>"


def test_a_file_with_the_query_string_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "capture.txt"
    path.write_text(URL.split("?", 1)[1] + "\n" + BODY + "\n")
    status, out, err = run(capsys, "--file", str(path))
    assert status == 0, err
    assert "hello" in out


def test_the_url_check_with_encoded_and_decoded_values(capsys: pytest.CaptureFixture[str]) -> None:
    query = GET_QUERY.rsplit("echostr=", 1)[0] + "echostr="
    for echostr in (quote(ECHOSTR, safe=""), ECHOSTR):
        status, out, err = run(capsys, "--url", "?" + query + echostr)
        assert status == 0, err
        assert out == DOC["echo"] + "\n"
        assert "the URL check" in err
    # A "+" read as a space by a second form decoding: found, said, and read back.
    status, out, err = run(capsys, "--url", "?" + query + ECHOSTR.replace("+", " "))
    assert status == 0, err
    assert "spaces are read as '+'" in err


def test_the_single_value_flags_still_work(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--msg-signature", DOC["post_signature"], "--timestamp", DOC["post_timestamp"]]
    argv += ["--nonce", DOC["post_nonce"], "--encrypt", quote(DOC["encrypt"], safe="")]
    status, out, err = run(capsys, *argv, "--token", DOC["token"])
    assert status == 0, err
    assert "<Content><![CDATA[hello]]></Content>" in out


@pytest.mark.parametrize(
    ("url", "body", "expected"),
    [
        ("https://example.com/wecom", BODY, "FAIL  parameters: missing msg_signature"),
        (URL.replace("&nonce=", "&x="), BODY, "FAIL  parameters: missing nonce"),
        (URL, "", "FAIL  envelope [-40002]: the request has no body"),
        (URL, "&lt;xml&gt;", "FAIL  envelope [-40002]"),
        (URL, "<xml><ToUserName>a</ToUserName></xml>", "FAIL  envelope [-40002]"),
        (URL, '{"msg": 1}', "FAIL  envelope [-40002]: a JSON body without an encrypt"),
    ],
)
def test_each_early_failure_is_named(
    capsys: pytest.CaptureFixture[str], url: str, body: str, expected: str
) -> None:
    status, out, err = run(capsys, "--url", url, "--body", body)
    assert status == 1 and out == ""
    assert expected in err and "likely cause:" in err


def test_a_malformed_key_and_missing_credentials(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WECOM_ENCODING_AES_KEY", DOC["key"][:-1])
    status, _, err = run(capsys, "--url", URL, "--body", BODY)
    assert status == 1
    assert "FAIL  key [-40004]" in err and "has 42 characters" in err
    monkeypatch.delenv("WECOM_TOKEN")
    status, _, err = run(capsys, "--url", URL, "--body", BODY)
    assert status == 2
    assert err.strip() == "error: missing the Token (WECOM_TOKEN or --token)"


def test_credentials_from_a_settings_file_endpoint(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for var in ("WECOM_TOKEN", "WECOM_ENCODING_AES_KEY", "WECOM_RECEIVE_ID"):
        monkeypatch.delenv(var)
    settings = tmp_path / "wecom.toml"
    settings.write_text(
        f'[endpoints.hr]\nreceive_ids = ["{DOC["receive_id"]}"]\n'
        f'[endpoints.other]\nreceive_ids = ["{CORP}"]\ntoken = "{TOKEN}"\n'
        f'encoding_aes_key = "{KEY}"\n'
    )
    monkeypatch.setenv("WECOM_HR_TOKEN", DOC["token"])
    monkeypatch.setenv("WECOM_HR_ENCODING_AES_KEY", DOC["key"])
    args = ("--url", URL, "--body", BODY, "--config", str(settings))
    status, out, err = run(capsys, *args, "--endpoint", "hr")
    assert status == 0, err
    assert "<Content><![CDATA[hello]]></Content>" in out
    status, out, err = run(capsys, *args, "--endpoint", "other")
    assert status == 1 and "FAIL  signature" in err
    status, out, err = run(capsys, *args, "--endpoint", "kf")
    assert status == 2 and "has no endpoint 'kf' (it has hr, other)" in err
    monkeypatch.delenv("WECOM_CONFIG", raising=False)
    status, out, err = run(capsys, "--url", URL, "--body", BODY, "--endpoint", "hr")
    assert status == 2 and "--endpoint needs a settings file" in err


def test_credentials_from_a_dotenv_file(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("WECOM_TOKEN")
    dotenv = tmp_path / "wecom.env"
    dotenv.write_text(f"WECOM_TOKEN={DOC['token']}\n")
    monkeypatch.setenv("WECOM_ENV_FILE", str(dotenv))
    status, out, err = run(capsys, "--url", URL, "--body", BODY)
    assert status == 0, err
    assert "<Content><![CDATA[hello]]></Content>" in out
