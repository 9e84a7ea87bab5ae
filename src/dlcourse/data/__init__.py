"""Datasets, splits and preprocessing, all as NumPy arrays.

Kept free of imports at package level so that ``dlcourse --help`` stays fast;
use the submodules (``dlcourse.data.catalogue``, ``dlcourse.data.splits``...).
"""
