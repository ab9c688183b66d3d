"""Planners: each reads what the ledger's projections say and proposes the next candidate."""
