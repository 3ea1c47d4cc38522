"""The desktop window: every Qt import of localfab lives in this package.

The widgets observe and edit the headless model (templates, profiles, builds, checks); they compute nothing
themselves, and every long operation runs off the UI thread.
"""
