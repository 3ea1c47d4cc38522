"""localfab: the application layer (CLI, recipes, profiles, checks, connectors); Qt lives in app.gui only."""
