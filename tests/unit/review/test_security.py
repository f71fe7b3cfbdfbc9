from __future__ import annotations

from voice.review.security import CSP, Secrets


def test_each_run_has_its_own_token_and_csrf_value() -> None:
    a, b = Secrets(), Secrets()
    assert a.token != b.token and a.csrf != b.csrf
    assert len(a.token) >= 40
    assert a.is_token(a.token) and not a.is_token(b.token) and not a.is_token(None)
    assert a.is_csrf(a.csrf) and not a.is_csrf(a.token)


def test_the_policy_allows_only_the_app_itself() -> None:
    assert "default-src 'none'" in CSP
    assert "script-src 'self'" in CSP and "unsafe-inline" not in CSP and "http" not in CSP
