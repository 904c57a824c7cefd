"""Makes interp_testlib importable by the interpreter tests (pytest's importlib mode)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
