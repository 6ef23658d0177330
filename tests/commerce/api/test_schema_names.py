"""Every schema of the API has a name of its own: ninja names components by class name, so two
classes of one name would leave one operation documented with the other's shape."""

import inspect
import sys
from collections import Counter

from ninja import Schema

from commerce.api import main


def test_every_schema_class_in_the_api_has_a_unique_name():
    main.api()  # import every router
    classes = {
        obj
        for name, module in sys.modules.items()
        if name.startswith("commerce.api.")
        for obj in vars(module).values()
        if inspect.isclass(obj) and issubclass(obj, Schema) and obj.__module__ == name
    }
    counts = Counter(cls.__name__ for cls in classes)
    assert [name for name, count in counts.items() if count > 1] == []
    assert len(classes) > 30
