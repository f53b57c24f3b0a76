"""The Textual station finder: renders what :mod:`bikefinder.core` hands it."""
