"""``python -m hub.sim``: the simulator process, the same as ``hub sim`` (see ``hub.sim.serve.main``).

Kept apart from ``serve`` so that importing the simulator never parses arguments or starts anything.
"""

import sys

from hub.sim.serve import main

sys.exit(main())
