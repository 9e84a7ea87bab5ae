"""Metrics, reports and plots computed from NumPy predictions."""
