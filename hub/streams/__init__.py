"""Stream processors: pure stage logic (normalise, ...) and the thin faust shells that run it."""
