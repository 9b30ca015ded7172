"""PostgreSQL, and every SQL statement of the hub: schema migrations (``hub db migrate``), the events the sink
upserts, the transfer register, the police-only pseudonym vault with its audit, and the retention purge."""
