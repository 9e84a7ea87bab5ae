"""Sub-commands contributed by feature areas; each module defines ``register(subparsers)``.

These modules import only the standard library at the top, so that
``dlcourse --help`` stays fast and imports no framework.
"""
