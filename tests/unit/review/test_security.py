from __future__ import annotations

from voice.review.security import CSP, Secrets


def test_each_run_has_its_own_token_and_csrf_value() -> None:
    a, b = Secrets(), Secrets()
    assert a.token != b.token
    assert a.csrf != b.csrf
    assert len(a.token) >= 40
    assert a.is_token(a.token)
    assert not a.is_token(b.token)
    assert not a.is_token(None)
    assert a.is_csrf(a.csrf)
    assert not a.is_csrf(a.token)


def test_the_policy_allows_only_the_app_itself() -> None:
    assert "default-src 'none'" in CSP
    assert "script-src 'self'" in CSP
    assert "unsafe-inline" not in CSP
    assert "http" not in CSP
