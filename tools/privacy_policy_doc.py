"""Write "what each domain receives" into docs/privacy.md from the shipped sharing policy (or check it is current).

python -m tools.privacy_policy_doc          # rewrite the generated section
python -m tools.privacy_policy_doc --check  # exit 1 when the document and the policy disagree
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hub.privacy.policy import default_policy
from hub.privacy.policy_doc import policy_markdown, replace_generated

DOC = Path(__file__).resolve().parents[1] / "docs" / "privacy.md"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check; exit 1 when the document is out of date")
    args = parser.parse_args(argv)
    current = DOC.read_text(encoding="utf-8")
    wanted = replace_generated(current, policy_markdown(default_policy()))
    if args.check:
        if wanted != current:
            print(f"{DOC} is out of date: run python -m tools.privacy_policy_doc", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
