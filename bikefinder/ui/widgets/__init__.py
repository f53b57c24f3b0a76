"""Widgets of the main station list."""
