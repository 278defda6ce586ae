"""Geography: geocoding, road networks and travel matrices (the only package that may use the network)."""
