"""Reports for the council and the prevention council from what the prevention domain received (published
aggregates), never from incidents: ``published`` (the standing figures), ``hotspots`` (pure: Gi* hot cells, place
reports, patrol plan), ``render`` (pure: the HTML page), ``run`` (the shell behind ``hub report``)."""
