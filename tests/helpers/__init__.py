"""Helpers shared by the test suite: waiting for asynchronous output, the layer checker, reading topics, starting
stage workers, and the fixture modules that tests/conftest.py loads through ``pytest_plugins``."""
