"""The command line: the parser and entry point (:mod:`.main`) and one module per command
(stations, favourites, nearby, catalog, config check, shell completion)."""
