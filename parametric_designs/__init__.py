"""Parametric templates: declared parameters, discovery and content hashes, sandboxed builds, the library.

Nothing here imports the application (`app`).
"""
