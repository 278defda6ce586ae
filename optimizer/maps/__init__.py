"""Route maps: a dispatcher's overview and a phone page per technician.

See ``docs/maps.md``. The only public entry point is :func:`render_maps`.
"""

from optimizer.maps.render import render_maps

__all__ = ["render_maps"]
