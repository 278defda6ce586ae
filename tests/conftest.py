import os
import sys
from pathlib import Path

# Tests never write to the user's cache: graphs, routers and matrices go under .pytest_cache.
os.environ.setdefault("FSOPT_CACHE_DIR", str(Path(__file__).parents[1] / ".pytest_cache" / "fsopt"))
sys.path.insert(0, str(Path(__file__).parent))
