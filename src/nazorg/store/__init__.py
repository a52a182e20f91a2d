"""Storage: the tables, the engine and its transactions, the locks, the migrations, and the read
queries that more than one layer above needs. Imports only `nazorg.core`."""
