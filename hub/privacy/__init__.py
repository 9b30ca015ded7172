"""Privacy, the pure part: the sharing policy per domain, keyed pseudonyms, the share transform, free-text
scrubbing, the records of the transfer register and the vault, retention classes, aggregates and the log redactor.
The SQL behind the register, the vault and retention is in ``hub.store``; docs/privacy.md explains it all."""
