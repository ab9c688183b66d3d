"""Bjontegaard-delta comparisons, as the evaluator and the reports use them (defined in domain/bdrate.py, where
the adoption policy reads them too)."""

from domain.bdrate import bd_psnr, bd_rate

__all__ = ["bd_psnr", "bd_rate"]
