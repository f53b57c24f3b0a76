"""What the rider is shown: stations and vehicles ranked by distance, modes (bike,
e-bike, dock), the list model, favourites, watches, trends, the map grid, walking time
and the text of printed output. Pure Python: the UI and the commands render it."""
