"""The API's JSON parser: DRF's, with a bound on nesting (``portal.core.jsonlimits``)."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import IO, Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from portal.core.jsonlimits import JSONTooDeep, json_depth_check


class BoundedJSONParser(JSONParser):
    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        raw = stream.read()
        try:
            json_depth_check(raw)
        except JSONTooDeep as exc:
            raise ParseError(str(exc)) from None
        return super().parse(io.BytesIO(raw), media_type, parser_context)
