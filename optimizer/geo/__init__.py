"""Geography: geocoding, road networks and travel matrices.

The only package that may use the network (geocoders, OSM downloads).
"""
