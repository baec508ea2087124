"""JSON columns read back exactly what was written (lab/cloud/db.py reads them with orjson where it agrees)."""

from __future__ import annotations

import json

from lab.cloud.db import _json_loads


def test_json_columns_read_back_what_the_standard_library_wrote() -> None:
    """JSON columns are read with orjson, except what orjson reads otherwise (lab/cloud/db.py)."""
    for value in ({"a": 1.0, "b": [1, None, "é"]}, {"big": 12345678901234567890123}, [float("inf")],
                  {"min": -9223372036854775808}, "\ud800"):
        text = json.dumps(value)
        assert repr(_json_loads(text)) == repr(json.loads(text))
