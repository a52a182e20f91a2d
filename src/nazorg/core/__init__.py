"""The pure domain core: rules without I/O (no database, files, network or clock)."""
