"""Regenerate the README's "Outputs" section from ``src/coldstart/data/outputs.toml``."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from coldstart.outputs import markdown

README = Path(__file__).resolve().parents[1] / "README.md"
SECTION = re.compile(r"(<!-- outputs:start -->\n).*?(<!-- outputs:end -->)", re.S)


def main() -> int:
    text = README.read_text()
    if not SECTION.search(text):
        print("README.md has no <!-- outputs:start --> ... <!-- outputs:end --> section")
        return 1
    README.write_text(SECTION.sub(lambda m: m.group(1) + markdown() + m.group(2), text))
    print(f"updated {README}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
