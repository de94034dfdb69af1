"""The browser dashboard (``alliances dashboard``): a Mesa SolaraViz page on the population model."""
