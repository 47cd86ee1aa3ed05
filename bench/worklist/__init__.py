"""Worklist next-item latency and label-set export throughput on PostgreSQL (see run.py)."""
