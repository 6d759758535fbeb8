"""Reading a big ledger or import without Python's cycle collector running through it.

Reading 100 000 entries makes some million objects (tables, entries, rows), none of them in a
reference cycle, and every 700 new objects the collector walks the youngest, every so often all of
them: about a tenth of reading a ledger and of an import. The collector is paused while they are
built and resumed (if it ran before) after, even when reading fails; what little cyclic garbage
the pause leaves (an exception's traceback, say) is freed by the collector's next run.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
