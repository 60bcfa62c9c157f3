"""`make bench`: runs every bench/*.py module that defines main(), in name order."""

import importlib
import pkgutil
import sys
from pathlib import Path


def main() -> None:
    names = sys.argv[1:] or sorted(
        m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if not m.name.startswith("_")
    )
    if not names:
        print("No benchmarks yet.")
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        print(f"== bench/{name}.py")
        module.main()


if __name__ == "__main__":
    main()
