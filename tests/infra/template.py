"""Queries over the synthesized template that several infra test files make: a bucket, a role's
policy statements (intrinsics resolved to fake ARNs), the resources an action is allowed on."""

from __future__ import annotations

from typing import Any

from tests.infra.conftest import Synth, fake_refs, resolve


def bucket(synth: Synth, name: str) -> tuple[str, dict[str, Any]]:
    return synth.one("AWS::S3::Bucket", f"Storage{name}")


def statements(synth: Synth, role_prefix: str) -> list[dict[str, Any]]:
    """Every policy statement attached to the role whose logical id starts with ``role_prefix``,
    with intrinsics resolved to fake ARNs."""
    refs = fake_refs(synth.template)
    role_id, _ = synth.one("AWS::IAM::Role", role_prefix)
    out = []
    for policy in synth.resources("AWS::IAM::Policy").values():
        if {"Ref": role_id} in policy["Properties"]["Roles"]:
            for st in policy["Properties"]["PolicyDocument"]["Statement"]:
                st = dict(st)
                res = st.get("Resource", [])
                st["Resource"] = [resolve(r, refs) for r in (res if isinstance(res, list) else [res])]
                act = st["Action"]
                st["Action"] = act if isinstance(act, list) else [act]
                out.append(st)
    assert out, f"no policy for {role_prefix}"
    return out


def resources_for(statements: list[dict[str, Any]], action: str) -> set[str]:
    return {
        r for st in statements if st["Effect"] == "Allow" and action in st["Action"] for r in st["Resource"]
    }


def video_function(synth: Synth) -> tuple[str, dict[str, Any]]:
    return synth.one("AWS::Lambda::Function", "ProcessingVideoProcessor")


def actions(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return action if isinstance(action, list) else [action]
