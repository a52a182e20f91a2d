"""The import path that the Alembic revisions 0001 to 0005 use for the column type `UTCDateTime`.

Revisions are history and are never edited, so this name stays importable. New code, and new
revisions, use `nazorg.store.models`. Importing this registers every table, as it always did.
"""

from nazorg.store.models import UTCDateTime

__all__ = ["UTCDateTime"]
