import os
import sys

# Never import from the working directory (`python3 -m` puts it first on the path; the host
# is started with -P, this is for other ways of starting it).
if not sys.flags.safe_path and sys.path and sys.path[0] == os.getcwd():
    del sys.path[0]
sys.path[:] = [entry for entry in sys.path if entry and os.path.isabs(entry)]

from parallax_scripthost.cli import main  # noqa: E402

main()
