"""Hostile candidates: one module per attack, and the tests that prove the sandbox contains them."""
