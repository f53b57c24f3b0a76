"""The Textual station finder: renders what the core packages (feeds, systems, rider) hand it."""
