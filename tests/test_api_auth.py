"""Keys and the rate limit on their own (the HTTP behaviour is in test_api_limits.py)."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from zhenggai.api import create_app
from zhenggai.api.auth import Authenticator, TokenBucket, parse_keys
from zhenggai.api.errors import ApiError
from zhenggai.settings import Settings


def test_keys_are_named_and_checked():
    keys = parse_keys([SecretStr("team-a:secret-1"), SecretStr("bare-secret-2")])
    assert keys[0].owner == "team-a" and keys[0].secret == b"secret-1"
    assert keys[1].owner.startswith("key-") and "bare" not in keys[1].owner
    auth = Authenticator(keys, TokenBucket(rate=1.0, burst=5))
    assert auth.admit("secret-1") == "team-a"
    assert auth.admit("bare-secret-2") == keys[1].owner
    for wrong in (None, "", "secret", "team-a:secret-1", "secret-1 "):
        with pytest.raises(ApiError) as err:
            auth.admit(wrong)
        assert err.value.status_code == 401 and err.value.headers == {"WWW-Authenticate": "Bearer"}


def test_settings_read_keys_from_a_comma_list(monkeypatch):
    monkeypatch.setenv("ZHENGGAI_API_KEYS", "team-a:k1, team-b:k2")
    monkeypatch.setenv("ZHENGGAI_API_MODELS", "openai/x,openai/y")
    s = Settings(_env_file=None, model="openai/x")  # type: ignore[call-arg]
    assert [k.get_secret_value() for k in s.api_keys] == ["team-a:k1", "team-b:k2"]
    assert "k1" not in repr(s)
    assert s.allowed_models == ["openai/x", "openai/y"]


def test_no_keys_no_service():
    with pytest.raises(ValueError, match="ZHENGGAI_API_KEYS"):
        create_app(Settings(_env_file=None))  # type: ignore[call-arg]


def test_token_bucket_allows_a_burst_then_the_rate():
    bucket = TokenBucket(rate=2.0, burst=3)
    assert [bucket.take("a", now=0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.take("a", now=0.0) == pytest.approx(0.5)  # one token every 0.5 s
    assert bucket.take("b", now=0.0) == 0.0  # owners do not share
    assert bucket.take("a", now=0.5) == 0.0
    assert bucket.take("a", now=0.6) == pytest.approx(0.4)
    assert [bucket.take("a", now=100.0) for _ in range(4)][-1] > 0  # refilled to the burst, not beyond


def test_guessing_keys_from_one_address_is_throttled():
    keys = parse_keys([SecretStr("team-a:secret-1")])
    auth = Authenticator(keys, TokenBucket(rate=1.0, burst=50), failures=TokenBucket(rate=0.01, burst=3))
    for _ in range(3):
        with pytest.raises(ApiError) as err:
            auth.admit("guess", "10.0.0.9")
        assert err.value.status_code == 401
    with pytest.raises(ApiError) as err:
        auth.admit("guess", "10.0.0.9")
    assert err.value.status_code == 429 and "wrong keys" in err.value.detail
    assert auth.admit("secret-1", "10.0.0.9") == "team-a"  # the right key still works
    with pytest.raises(ApiError) as err:
        auth.admit("guess", "10.0.0.10")  # another address has its own allowance
    assert err.value.status_code == 401
