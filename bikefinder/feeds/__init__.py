"""GBFS feeds: the models, pure parsing of every version and quirk (gbfs, wire, values,
vehicles, alerts, hours, pricing), and the thin I/O around it (http, cache, loader).
A GBFS quirk lives here. No Textual; the parsing modules never import httpx."""
