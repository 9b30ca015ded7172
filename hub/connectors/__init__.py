"""Connectors: read each agency's feeds and put their records, unchanged, on ``raw.<agency>.<feed>`` topics.

The contract is in ``base``, the runner in ``runner`` (``hub connectors run``) with its drivers ``polling`` and
``push`` over the pure ``cutting``, the built-in types in ``http_poll``, ``webhook``, ``folder`` and ``file``, the
conformance helper in ``testing``; see docs/connectors.md.
"""
