"""Settings for the benchmarks' servers: Liveshop's own, plus one trivial view (bench/urls.py).

The event page herd compares the live event page with the least a Django view can do, served by the
same server process through the same middleware.
"""

from liveshop.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
