"""One-shot jobs behind commands: read from the broker or the database, compute with a pure core, write back
(``hub aggregates publish``, ``hub dlq replay``)."""
