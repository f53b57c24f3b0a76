"""bikefinder: the nearest bike or free dock in any GBFS bike-share system."""

__version__ = "0.2.0"
