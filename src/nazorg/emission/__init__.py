"""Emission: deciding what people's calendars should hold against what was sent, rendering the
`.ics` and `.eml` files of each version, and writing them to the outbox, exactly once."""
