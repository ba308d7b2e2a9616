"""python -m markers_groups prints the report as JSON."""

import json

from markers_groups import report

print(json.dumps(report(), sort_keys=True))
