"""lab/cloud/validation.py: one check says what is wrong, each service's Wording says it its own way."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from lab.cloud import validation as V
from lab.cloud.errors import BadRequest


def _message(check: V.Check[object], w: V.Wording, value: object, field: str = "name") -> str:
    with pytest.raises(BadRequest) as caught:
        check(w, field, value)
    return caught.value.message


def test_one_check_in_each_services_wording() -> None:
    """The same fault reads as Nova, Keystone, Neutron and Octavia write it."""
    short = V.string(max_len=3)
    assert _message(short, V.NOVA, 5) == "Invalid input for field/attribute name. Value: 5. 5 is not of type 'string'"
    assert _message(short, V.KEYSTONE, "long") == "Invalid input for field 'name': 'long' is too long"
    assert _message(short, V.NEUTRON, "long") == "Invalid input for name. Reason: 'long' exceeds maximum length of 3."
    assert _message(short, V.WSME, 5) == ("Invalid input for field/attribute name. Value: '5'. Wrong type. "
                                          "Expected '<class 'str'>', got '<class 'int'>'")
    ranged = V.integer(1, 10, strings=True)
    assert _message(ranged, V.NOVA, "0") == ("Invalid input for field/attribute name. Value: 0. 0 is less than "
                                             "the minimum of 1")
    assert ranged(V.NOVA, "name", " 7 ") == 7
    assert _message(V.integer(1, 10, convert=True), V.NEUTRON, True) == ("Invalid input for name. Reason: 'True' "
                                                                         "is not in range 1 through 10.")


def test_a_table_refuses_unknown_missing_and_read_only_attributes() -> None:
    """Unknown, missing-required and (on update) read-only attributes are the service's 400; known ones are
    converted and returned in the order given."""
    table = {"size": V.Attr(V.integer(1, strings=True), required=True), "name": V.Attr(V.string(), put=False)}
    assert list(V.parse_object(V.NOVA, table, {"name": "a", "size": "2"}, "volume").items()) == [
        ("name", "a"), ("size", 2)]
    with pytest.raises(BadRequest, match=r"Additional properties are not allowed \('x' was unexpected\)"):
        V.parse_object(V.NOVA, table, {"size": 1, "x": 0}, "volume")
    with pytest.raises(BadRequest, match=r"^Unrecognized attribute\(s\) 'x, y'$"):
        V.parse_object(V.NEUTRON, table, {"x": 0, "y": 0}, "volume")
    with pytest.raises(BadRequest, match=r"field/attribute size\. Value: None\. 'size' is a required property"):
        V.parse_object(V.NOVA, table, {"name": "a"}, "volume")
    with pytest.raises(BadRequest, match=r"^Cannot update read-only attribute name$"):
        V.parse_object(V.NEUTRON, table, {"name": "a"}, "volume", update=True)


@dataclass(kw_only=True)
class _Thing(V.Record):
    name: str = V.attr(V.string(1), required=True)
    tags: list[str] = V.attr(V.list_of(V.string(max_len=2), index=True), default_factory=list)


def test_a_record_keeps_what_was_given_and_the_extra_attributes() -> None:
    """A Record has typed attributes, the names the body gave, and (where allowed) the extra ones."""
    thing = V.parse_record(V.KEYSTONE, _Thing, {"name": "n", "colour": "red"}, "thing")
    assert (thing.name, thing.tags, thing.given, thing.extras()) == ("n", [], frozenset({"name"}), {"colour": "red"})
    with pytest.raises(BadRequest, match=r"^Invalid input for field 'tags/1': 'long' is too long$"):
        V.parse_record(V.KEYSTONE, _Thing, {"name": "n", "tags": ["ok", "long"]}, "thing")
