"""Recompute the runner's golden digests (tests/golden/digests.json) and print what changed.

Use it only when a change alters the outputs on purpose (a bug fix), in that change's own
commit; a refactor must leave every digest as it is.

    .venv/bin/python scripts/update_golden.py            # rewrite digests.json
    .venv/bin/python scripts/update_golden.py --check    # only report; exit 1 on a change
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

TEST_MODULE = Path(__file__).resolve().parents[1] / "tests" / "golden" / "test_golden_outputs.py"


def _golden_module():
    spec = importlib.util.spec_from_file_location("golden_outputs", TEST_MODULE)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="do not write; exit 1 if any changed")
    args = ap.parse_args(argv)

    g = _golden_module()
    old = g.load_goldens() if g.DIGESTS_PATH.exists() else {"configurations": {}}
    new = g.compute_goldens()

    changed = False
    if old.get("city", {}).get("digest") != new["city"]["digest"]:
        print("city: the synthetic city itself changed (every configuration's input)")
        changed = True
    old_cfg, new_cfg = old.get("configurations", {}), new["configurations"]
    for name in sorted(set(old_cfg) - set(new_cfg)):
        print(f"{name}: configuration removed")
        changed = True
    for name, entry in new_cfg.items():
        if name not in old_cfg:
            print(f"{name}: new configuration")
            changed = True
            continue
        lines = g.differences(old_cfg[name], entry)
        if lines:
            print(f"{name}:")
            print("\n".join(lines))
            changed = True
        else:
            print(f"{name}: unchanged")

    if args.check:
        return 1 if changed else 0
    if changed or not g.DIGESTS_PATH.exists():
        g.write_goldens(new)
        print(f"wrote {g.DIGESTS_PATH}")
    else:
        print("nothing changed; digests.json left as it is")
    return 0


if __name__ == "__main__":
    sys.exit(main())
