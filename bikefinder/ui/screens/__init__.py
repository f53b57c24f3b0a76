"""Screens pushed over the main station list."""
