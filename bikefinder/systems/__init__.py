"""Which bike-share systems exist and where: the catalog (systems.csv, Citybikes),
coverage areas, place names and geocoding, the user's config, and turning a choice
into a system source."""
