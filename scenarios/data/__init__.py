"""Data the model meets: ATOP alliances read as survival spells (``atop``), a run's spells on the
same footing (``runs``), and ATOP-format files made from a simulated population (``synthetic``)."""
