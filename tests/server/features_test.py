#!/usr/bin/env python3
"""`parallax features` (what `parallax serve` answers to get_features) against the reference's
answer, recorded in features.reference.json (Perspective 3.8's get_features_resp, restated in
the format `parallax features` prints): each column type is offered exactly the reference's
aggregates and filter operators, in the reference's menu order, with their argument types;
`parallax features --unlisted` names none of those.

usage: features_test.py PARALLAX
"""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
# docs/differences.md: the reference lists avg for dates, then fails to make the view.
NOT_OFFERED = {("date", "avg"), ("datetime", "avg")}


def main(argv):
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    ours = json.loads(subprocess.run([argv[0], "features"], check=True,
                                     stdout=subprocess.PIPE).stdout)
    with open(os.path.join(HERE, "features.reference.json")) as f:
        reference = json.load(f)
    for column_type, offered in reference["aggregates"].items():
        offered[:] = [a for a in offered if (column_type, a["name"]) not in NOT_OFFERED]
    problems = []
    for key in reference:
        if ours.get(key) != reference[key]:
            problems.append("%s: parallax %s\n  reference %s" % (
                key, json.dumps(ours.get(key)), json.dumps(reference[key])))
    for key in set(ours) - set(reference):
        problems.append("%s: not in the reference's answer" % key)
    # `--unlisted`: what the reference's engine takes beyond its lists ("mul"), for the
    # differential generator; never a name the reference lists for that type.
    unlisted = json.loads(subprocess.run([argv[0], "features", "--unlisted"], check=True,
                                         stdout=subprocess.PIPE).stdout)["aggregates"]
    for column_type, offered in unlisted.items():
        listed = {a["name"] for a in reference["aggregates"].get(column_type, [])}
        for a in offered:
            if a["name"] in listed:
                problems.append("%s: %s is listed by the reference, not unlisted"
                                % (column_type, a["name"]))
    print("\n".join(problems) if problems else "features: as the reference")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
