"""Connectors: read each agency's feeds and put their records, unchanged, on ``raw.<agency>.<feed>`` topics."""
