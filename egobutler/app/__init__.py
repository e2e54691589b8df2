"""Composition root: settings, CLI, daemon and the wiring of the other packages."""
