"""Remembered policy decisions (lab/cloud/policy.py) are the decisions oslo.policy makes: they follow the target
and the caller, and a changed rule is in force on the very next check."""

from __future__ import annotations

from lab.cloud.context import RequestContext
from lab.cloud.policy import Policy, Rule

RULES = [Rule("toy:get", "rule:project_reader_or_admin", "read a toy"),
         Rule("toy:tags", "rule:admin_api", "read a toy's tags")]


def member(project: str, user: str = "u1") -> RequestContext:
    return RequestContext(user_id=user, user_name=user, project_id=project, project_name=project,
                          roles=("member", "reader"), token_id="t-" + user)


def test_a_remembered_decision_follows_the_target_and_the_caller() -> None:
    policy = Policy(RULES)
    alice = member("p1")
    for _ in range(2):  # the second round is answered from what was remembered
        assert policy.allows(alice, "toy:get", "p1")
        assert not policy.allows(alice, "toy:get", "p2")
        assert not policy.allows(member("p2", "u2"), "toy:get", "p1")
        assert not policy.allows(alice, "toy:tags", "p1")
        assert policy.allows(RequestContext.system(), "toy:tags", "p1")


def test_an_override_is_in_force_on_the_next_check() -> None:
    policy = Policy(RULES)
    alice = member("p1")
    assert policy.allows(alice, "toy:get", "p1")
    policy.override("toy:get", "rule:admin_api")
    assert not policy.allows(alice, "toy:get", "p1")
    policy.override("toy:get", "@")
    assert policy.allows(alice, "toy:get", "p2")


def test_an_unhashable_target_is_still_decided() -> None:
    policy = Policy([Rule("toy:list", "rule:any_project", "list toys")])
    assert policy.allows(member("p1"), "toy:list", "p1", tags=["a", "b"])
    assert not policy.allows(member("p1"), "toy:list", "p2", tags=["a", "b"])

