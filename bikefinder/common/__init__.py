"""What every layer shares: errors, text cleaning and folding, atomic files, platformdirs
paths, Earth geometry, version and debug-log helpers. Imports nothing of bikefinder."""
