"""The browser dashboard (``alliances dashboard``): a solara page on the population model (a Mesa model)."""
