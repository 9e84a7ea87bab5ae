"""Framework-free model specs: layer shapes and initial weights, computed with NumPy."""
