"""Source formats: how a feed's documents are cut into records (connector side) and how each record becomes
canonical events (normaliser side). Pure functions only; no I/O, no Kafka."""
