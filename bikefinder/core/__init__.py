"""The data core: feeds, models, ranking, favourites. Nothing here imports Textual."""
