"""dmi_sim's command line; ``python run.py --help`` lists the commands.

With no arguments it compares the five policy scenarios and prints where the report is.
"""

from dmi_sim.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
