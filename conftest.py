"""pytest set-up shared by every test folder (tests/, autograde/tests/, solutions/)."""
import os
import sys

# nbgrader runs `alembic` by name when it creates a gradebook; make this
# interpreter's scripts findable even when its virtualenv is not activated.
os.environ["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])
