"""Benchmark of the NLP report labeler against medspacy's default pipeline (python -m bench.nlp)."""
