"""Measuring codecs on real clips: clips, quality, metric points, BD-rate, reference codecs, the evaluator."""
