"""PostgreSQL: schema migrations (``hub db migrate``) and the repositories the sinks write through."""
