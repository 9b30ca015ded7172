"""Build the held-out labelled set for the German free-text scrubber (see build.py)."""
