"""Machine programs from parts: FDM slicing, CNC and laser toolpaths, and the G-code tools they share.

Nothing here imports the application (`app`); settings arrive by value.
"""
