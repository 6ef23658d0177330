"""The base of every JSON body's schema: values must have the JSON type the schema states.

pydantic's lax mode would take `false` for the integer 0, `1` for true and `"3"` for 3; a client
that sends those has a bug the API should name (422), not guess at. Query and path parameters arrive
as text and are not strict.
"""

from ninja import Schema
from pydantic import ConfigDict


class BodyIn(Schema):
    model_config = ConfigDict(strict=True)
